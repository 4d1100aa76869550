// The main of the tests that run as several processes under an MPI launcher (mpirun -np N):
// the job's communicator is set up before any test, and each rank reports its own results.
#include <gtest/gtest.h>

#include "runtime/communicator.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  tg::Communicator& world = tg::Communicator::world();
  // Only rank 0 prints the progress; every rank's failures still print.
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  // The job fails when any rank failed.
  int64_t failed = world.allreduce(int64_t{rc != 0}, tg::Reduction::Max);
  return failed ? 1 : 0;
}
