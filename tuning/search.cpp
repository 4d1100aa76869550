#include "tuning/search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tuning/gp.h"
#include "tuning/random.h"

namespace tg::tuning {

Assignment random_assignment(const SearchSpace& space, Rng& rng) {
  Assignment a;
  for (const ParamSpec& p : space.params) {
    Value v;
    switch (p.type) {
      case ParamType::Categorical: v.category = static_cast<int>(rng.below(p.categories.size())); break;
      case ParamType::Discrete: v.number = p.values[rng.below(p.values.size())]; break;
      case ParamType::Integer:
        // Linear: each integer equally likely (rounding a uniform draw would halve the ends).
        if (p.scale == ScaleType::Linear) {
          v.number = p.min + static_cast<double>(rng.below(static_cast<uint64_t>(p.max - p.min) + 1));
          break;
        }
        [[fallthrough]];
      case ParamType::Double: v.number = from_unit(p, rng.uniform()); break;
    }
    a.push_back(canonical(p, v));
  }
  return a;
}

Assignment grid_point(const SearchSpace& space, long long index) {
  Assignment a(space.params.size());
  for (size_t k = space.params.size(); k-- > 0;) {
    const ParamSpec& p = space.params[k];
    long long n = p.type == ParamType::Integer ? static_cast<long long>(p.max - p.min) + 1
                  : p.type == ParamType::Categorical ? static_cast<long long>(p.categories.size())
                                                     : static_cast<long long>(p.values.size());
    long long digit = index % n;
    index /= n;
    if (p.type == ParamType::Integer) a[k].number = p.min + static_cast<double>(digit);
    else if (p.type == ParamType::Categorical) a[k].category = static_cast<int>(digit);
    else a[k].number = p.values[static_cast<size_t>(digit)];
  }
  return a;
}

namespace {

// Draw streams of one trial's proposal.
enum Stream : uint64_t { kRandomTrial = 0, kGpFit = 1, kCandidates = 2 };

class RandomSearch : public Search {
 public:
  RandomSearch(SearchSpace space, uint64_t seed) : space_(std::move(space)), seed_(seed) {}
  std::optional<Assignment> propose(int index, const std::vector<Observation>&, const std::vector<Assignment>&) override {
    Rng rng(seed_, static_cast<uint64_t>(index) * 4 + kRandomTrial);
    return random_assignment(space_, rng);
  }

 private:
  SearchSpace space_;
  uint64_t seed_;
};

class GridSearch : public Search {
 public:
  explicit GridSearch(SearchSpace space) : space_(std::move(space)), size_(grid_size(space_)) {}
  std::optional<Assignment> propose(int index, const std::vector<Observation>&, const std::vector<Assignment>&) override {
    if (index >= size_) return std::nullopt;
    return grid_point(space_, index);
  }

 private:
  SearchSpace space_;
  long long size_;
};

class BayesianSearch : public Search {
 public:
  BayesianSearch(const StudyConfig& c, uint64_t seed, const BayesianOptions& o)
      : space_(c.space), maximize_(c.maximize), seed_(seed), o_(o) {
    if (o_.initial_random <= 0) o_.initial_random = std::clamp(space_.dims() + 1, 3, 8);
  }

  std::optional<Assignment> propose(int index, const std::vector<Observation>& done_all,
                                    const std::vector<Assignment>& pending) override {
    std::vector<const Observation*> done;
    for (const auto& o : done_all)
      if (std::isfinite(o.objective)) done.push_back(&o);
    if (static_cast<int>(done.size()) < o_.initial_random) {
      Rng rng(seed_, static_cast<uint64_t>(index) * 4 + kRandomTrial);
      return random_assignment(space_, rng);
    }
    const Eigen::Index n = static_cast<Eigen::Index>(done.size()), m = static_cast<Eigen::Index>(pending.size());
    const Eigen::Index d = space_.dims();
    Eigen::MatrixXd X(n + m, d);
    Eigen::VectorXd y(n + m);
    for (Eigen::Index i = 0; i < n; ++i) {
      X.row(i) = row(done[static_cast<size_t>(i)]->params);
      y(i) = maximize_ ? -done[static_cast<size_t>(i)]->objective : done[static_cast<size_t>(i)]->objective;
    }
    double best = y.head(n).minCoeff();
    Rng fit_rng(seed_, static_cast<uint64_t>(index) * 4 + kGpFit);
    GaussianProcess gp;
    gp.fit(X.topRows(n), y.head(n), fit_rng, o_.gp_restarts);
    if (m > 0) {
      for (Eigen::Index j = 0; j < m; ++j) X.row(n + j) = row(pending[static_cast<size_t>(j)]), y(n + j) = best;
      GpHyper h = gp.hyper();
      gp.condition(X, y, h);
    }
    auto ei = [&](const Assignment& a) {
      double mean = 0, var = 0;
      gp.predict(row(a).transpose(), mean, var);
      return expected_improvement(mean, var, best);
    };

    Rng rng(seed_, static_cast<uint64_t>(index) * 4 + kCandidates);
    std::vector<std::pair<double, Assignment>> cands;
    for (int i = 0; i < o_.random_candidates; ++i) {
      Assignment a = random_assignment(space_, rng);
      cands.emplace_back(ei(a), std::move(a));
    }
    // Around the best few trials, where the improvement usually is.
    std::vector<size_t> order(done.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y(static_cast<Eigen::Index>(a)) < y(static_cast<Eigen::Index>(b)); });
    for (size_t r = 0; r < std::min<size_t>(5, order.size()); ++r)
      for (int i = 0; i < o_.local_candidates; ++i) {
        Assignment a = perturb(done[order[r]]->params, 0.1, rng);
        cands.emplace_back(ei(a), std::move(a));
      }
    std::stable_sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::pair<double, Assignment>> refined;
    for (size_t i = 0; i < cands.size() && static_cast<int>(refined.size()) < o_.refined; ++i) {
      bool seen = false;
      for (const auto& r : refined) seen = seen || r.second == cands[i].second;
      if (!seen) refined.push_back(refine(cands[i], ei));
    }
    std::stable_sort(refined.begin(), refined.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    // A point already tried (a small discrete space) would teach nothing: take the next one.
    for (const auto& r : refined)
      if (!tried(r.second, done, pending)) return r.second;
    for (const auto& c : cands)
      if (!tried(c.second, done, pending)) return c.second;
    return random_assignment(space_, rng);
  }

 private:
  Eigen::RowVectorXd row(const Assignment& a) const {
    std::vector<double> x = encode(space_, a);
    return Eigen::Map<Eigen::RowVectorXd>(x.data(), static_cast<Eigen::Index>(x.size()));
  }

  Assignment perturb(const Assignment& base, double sd, Rng& rng) const {
    Assignment a = base;
    for (size_t k = 0; k < space_.params.size(); ++k) {
      const ParamSpec& p = space_.params[k];
      if (p.numeric()) {
        a[k] = canonical(p, Value{from_unit(p, to_unit(p, a[k].number) + sd * rng.normal()), -1});
      } else if (rng.uniform() < 0.2) {
        a[k].category = static_cast<int>(rng.below(p.categories.size()));
      }
    }
    return a;
  }

  // Pattern search from a candidate: each numeric parameter a step up and down on its unit
  // scale, every other category of each categorical; the best move is taken, and the step
  // halves when none improves.
  template <class F>
  std::pair<double, Assignment> refine(std::pair<double, Assignment> cur, const F& ei) const {
    double step = 0.1;
    for (int it = 0; it < 60 && step > 0.002; ++it) {
      std::pair<double, Assignment> best = cur;
      for (size_t k = 0; k < space_.params.size(); ++k) {
        const ParamSpec& p = space_.params[k];
        auto consider = [&](Assignment a) {
          double v = ei(a);
          if (v > best.first) best = {v, std::move(a)};
        };
        if (p.numeric()) {
          for (double dir : {-1.0, 1.0}) {
            Assignment a = cur.second;
            a[k] = canonical(p, Value{from_unit(p, to_unit(p, a[k].number) + dir * step), -1});
            if (!(a[k] == cur.second[k])) consider(std::move(a));
          }
        } else {
          for (int c = 0; c < p.width(); ++c)
            if (c != cur.second[k].category) {
              Assignment a = cur.second;
              a[k].category = c;
              consider(std::move(a));
            }
        }
      }
      if (best.first > cur.first) cur = std::move(best);
      else step *= 0.5;
    }
    return cur;
  }

  static bool tried(const Assignment& a, const std::vector<const Observation*>& done, const std::vector<Assignment>& pending) {
    for (const auto* o : done)
      if (o->params == a) return true;
    for (const auto& p : pending)
      if (p == a) return true;
    return false;
  }

  SearchSpace space_;
  bool maximize_;
  uint64_t seed_;
  BayesianOptions o_;
};

}  // namespace

std::unique_ptr<Search> make_search(const StudyConfig& c, uint64_t seed, const BayesianOptions& options) {
  switch (c.algorithm) {
    case Algorithm::Grid: return std::make_unique<GridSearch>(c.space);
    case Algorithm::Random: return std::make_unique<RandomSearch>(c.space, seed);
    case Algorithm::Bayesian: break;
  }
  return std::make_unique<BayesianSearch>(c, seed, options);
}

}  // namespace tg::tuning
