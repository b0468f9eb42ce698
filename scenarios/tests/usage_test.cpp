// The disturbance rule (usage.hpp) on synthetic per-thread figures: what a busy machine, a
// blocking primitive, oversubscription, a paced thread and a hypervisor look like.
#include <gtest/gtest.h>

#include <vector>

#include "scenarios/harness/usage.hpp"

namespace lfbench {
namespace {

ThreadUsage t(double cpu, double runqueue, std::uint64_t invol = 0, bool sleeps = false) {
  return ThreadUsage{cpu, runqueue, invol, 0, sleeps};
}

TEST(Disturbance, CleanWindowOnAnIdleMachine) {
  const std::vector<ThreadUsage> u = {t(0.0999, 0.00001, 1), t(0.0998, 0.00002, 2)};
  EXPECT_FALSE(judge_window(0.1, 2, false, u, 0).disturbed);
  EXPECT_FALSE(judge_window(0.1, 2, true, u, 0).disturbed);
}

TEST(Disturbance, AThreadWaitingForItsCpuIsDisturbed) {
  // Another process held the CPU for 30% of the window.
  const std::vector<ThreadUsage> u = {t(0.07, 0.03, 40)};
  const auto j = judge_window(0.1, 2, true, u, 0);
  EXPECT_TRUE(j.disturbed);
  EXPECT_NE(j.reason.find("waited 30%"), std::string::npos) << j.reason;
}

TEST(Disturbance, BelowTheThresholdIsNot) {
  const std::vector<ThreadUsage> u = {t(0.097, 0.003, 3)};  // 3% < 5%
  EXPECT_FALSE(judge_window(0.1, 2, true, u, 0).disturbed);
}

TEST(Disturbance, ABlockingPrimitiveMaySleepButALockFreeOneMayNot) {
  // Half the window asleep in a futex, never waiting for a CPU: the mutex's own behaviour.
  const std::vector<ThreadUsage> u = {t(0.05, 0.0, 0), t(0.05, 0.0, 0)};
  EXPECT_FALSE(judge_window(0.1, 2, true, u, 0).disturbed);
  const auto j = judge_window(0.1, 2, false, u, 0);
  EXPECT_TRUE(j.disturbed);
  EXPECT_NE(j.reason.find("non-blocking"), std::string::npos) << j.reason;
}

TEST(Disturbance, APacedThreadSleepsByDesign) {
  const std::vector<ThreadUsage> u = {t(0.1, 0.0), t(0.001, 0.0, 0, true)};
  EXPECT_FALSE(judge_window(0.1, 2, false, u, 0).disturbed);
}

TEST(Disturbance, OversubscribedThreadsTimeSliceAmongThemselves) {
  // 4 threads on 2 CPUs, each on a CPU half the time and waiting the other half: the CPUs were
  // fully used by the cell itself.
  const std::vector<ThreadUsage> u(4, t(0.05, 0.05, 30));
  EXPECT_FALSE(judge_window(0.1, 2, false, u, 0).disturbed);
  EXPECT_FALSE(judge_window(0.1, 2, true, u, 0).disturbed);
}

TEST(Disturbance, OversubscribedThreadsThatLostCpuToOthersAreDisturbed) {
  // 4 runnable threads on 2 CPUs got only 1.2 CPUs' worth: someone else had the rest.
  const std::vector<ThreadUsage> u(4, t(0.03, 0.07, 30));
  const auto j = judge_window(0.1, 2, false, u, 0);
  EXPECT_TRUE(j.disturbed);
  EXPECT_NE(j.reason.find("less CPU"), std::string::npos) << j.reason;
}

TEST(Disturbance, WithoutSchedstatInvoluntarySwitchesAndLostCpuDecide) {
  EXPECT_TRUE(judge_window(0.1, 2, true, std::vector<ThreadUsage>{t(0.06, -1, 12)}, 0).disturbed);
  // Switched out once but ran the whole window (a tick's worth): not disturbed.
  EXPECT_FALSE(judge_window(0.1, 2, true, std::vector<ThreadUsage>{t(0.0995, -1, 1)}, 0).disturbed);
  // Slept without being switched out involuntarily: a blocking primitive's own sleep.
  EXPECT_FALSE(judge_window(0.1, 2, true, std::vector<ThreadUsage>{t(0.05, -1, 0)}, 0).disturbed);
}

TEST(Disturbance, HypervisorStealIsADisturbance) {
  const std::vector<ThreadUsage> u = {t(0.09, 0.0), t(0.09, 0.0)};
  const auto j = judge_window(0.1, 2, true, u, 0.02);  // 10% of 2 CPUs x 0.1 s
  EXPECT_TRUE(j.disturbed);
  EXPECT_NE(j.reason.find("hypervisor"), std::string::npos) << j.reason;
}

}  // namespace
}  // namespace lfbench
