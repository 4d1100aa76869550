// Search algorithms: what the next trial's parameters are.
//
//   - Bayesian optimization (the service's default, ALGORITHM_UNSPECIFIED): after a few random
//     trials, a Gaussian process (gp.h) over the finished trials' objectives, and the point that
//     maximizes expected improvement over many random candidates (uniform, and perturbations of
//     the best trials) refined by a pattern search. Trials still running take part as "constant
//     liars": they are added to the process with the best objective seen so far as their
//     value, so that parallel trials are proposed apart from each other.
//   - Grid search: every combination of the parameters' values (categories, discrete values,
//     integers), in order, the last parameter changing fastest.
//   - Random search: each parameter drawn uniformly on its scale.
//
// Proposals are a function of (seed, trial index, finished results, running trials): the same
// seed and the same results give the same study, and a resumed study proposes what an
// uninterrupted one would have.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "config.h"
#include "space.h"

namespace tg::tuning {

struct Observation {
  Assignment params;
  double objective;  // as the trainer reported it (the goal says which way is better)
};

class Search {
 public:
  virtual ~Search() = default;
  // The parameters of trial `index` (0 for the first trial of the study), or nothing when the
  // search has no point left (a grid that is covered).
  virtual std::optional<Assignment> propose(int index, const std::vector<Observation>& done,
                                            const std::vector<Assignment>& pending) = 0;
};

struct BayesianOptions {
  int initial_random = 0;    // random trials before the GP takes over; 0: from the dimensions (3 to 8)
  int random_candidates = 1000;
  int local_candidates = 100;  // perturbations around each of the best few trials
  int refined = 5;             // candidates refined by the pattern search
  int gp_restarts = 4;
};

std::unique_ptr<Search> make_search(const StudyConfig& config, uint64_t seed, const BayesianOptions& options = {});

// One uniform draw on each parameter's scale.
class Rng;
Assignment random_assignment(const SearchSpace& space, Rng& rng);
// Point `index` of the grid (index < grid_size(space)).
Assignment grid_point(const SearchSpace& space, long long index);

}  // namespace tg::tuning
