// A Gaussian process for Bayesian optimization (private to tg_tuning: it includes Eigen).
//
// Kernel: Matérn 5/2 with one length scale per input coordinate (ARD), a signal variance, and
// Gaussian observation noise:
//   k(x, x') = s2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),  r^2 = sum_i (x_i - x'_i)^2 / l_i^2
// The targets are standardized (zero mean, unit variance) before fitting. Hyperparameters are
// fitted by maximizing the log marginal likelihood over their logarithms, within fixed bounds,
// by projected gradient ascent with a backtracking step from several starts (a default one and
// random ones from the given generator). Factorizations use Eigen's LLT.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "tuning/random.h"

namespace tg::tuning {

struct GpHyper {
  Eigen::VectorXd log_lengths;  // one per input coordinate
  double log_signal = 0;        // log s2
  double log_noise = std::log(1e-3);
};

class GaussianProcess {
 public:
  // Fits hyperparameters to (X rows, y) and conditions on them. X's rows lie in the unit cube.
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Rng& rng, int restarts = 4);
  // Conditions on (X, y) with the given hyperparameters (no fitting): the constant liar adds
  // pending points this way.
  void condition(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& h);

  // Posterior mean and variance of the latent function at x, in the units of y.
  void predict(const Eigen::VectorXd& x, double& mean, double& variance) const;
  // Log marginal likelihood of the standardized targets under h, and its gradient (log lengths,
  // log signal, log noise) when `grad` is not null. -inf when K is not positive definite.
  double log_marginal_likelihood(const GpHyper& h, Eigen::VectorXd* grad) const;

  const GpHyper& hyper() const { return h_; }
  int size() const { return static_cast<int>(X_.rows()); }

 private:
  double kernel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const;
  void set_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);

  Eigen::MatrixXd X_;
  Eigen::VectorXd z_;  // standardized targets
  double y_mean_ = 0, y_scale_ = 1;
  GpHyper h_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;  // K^-1 z
  Eigen::ArrayXd inv_l2_;  // 1 / l_i^2
  double s2_ = 1;
};

// Expected improvement below `best` (minimization) of a Gaussian with this mean and variance.
double expected_improvement(double mean, double variance, double best);

}  // namespace tg::tuning
