#include "tuning/gp.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tg::tuning {

namespace {

constexpr double kSqrt5 = 2.23606797749979;
constexpr double kJitter = 1e-8;
// Bounds of the log-hyperparameters: length scales from a fiftieth of the unit cube to many
// times its width (a coordinate that does not matter), signal variance of the standardized
// targets, and noise from nearly none to as much as the signal.
const double kLogLengthLo = std::log(0.02), kLogLengthHi = std::log(20.0);
const double kLogSignalLo = std::log(0.05), kLogSignalHi = std::log(20.0);
const double kLogNoiseLo = std::log(1e-6), kLogNoiseHi = std::log(1.0);

Eigen::VectorXd pack(const GpHyper& h) {
  Eigen::VectorXd t(h.log_lengths.size() + 2);
  t << h.log_lengths, h.log_signal, h.log_noise;
  return t;
}

GpHyper unpack(const Eigen::VectorXd& t) {
  GpHyper h;
  Eigen::Index d = t.size() - 2;
  h.log_lengths = t.head(d);
  h.log_signal = t(d);
  h.log_noise = t(d + 1);
  return h;
}

Eigen::VectorXd project(Eigen::VectorXd t) {
  Eigen::Index d = t.size() - 2;
  for (Eigen::Index i = 0; i < d; ++i) t(i) = std::clamp(t(i), kLogLengthLo, kLogLengthHi);
  t(d) = std::clamp(t(d), kLogSignalLo, kLogSignalHi);
  t(d + 1) = std::clamp(t(d + 1), kLogNoiseLo, kLogNoiseHi);
  return t;
}

// Matérn 5/2 at distance r, and the factor s2 5/3 (1 + sqrt5 r) exp(-sqrt5 r) of its derivative
// with respect to a log length scale (times that coordinate's d^2 / l^2).
inline double matern(double s2, double r) { return s2 * (1 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r); }
inline double matern_dlog_l(double s2, double r) { return s2 * 5.0 / 3.0 * (1 + kSqrt5 * r) * std::exp(-kSqrt5 * r); }

}  // namespace

double GaussianProcess::kernel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const {
  double r2 = ((a - b).array().square() * inv_l2_).sum();
  return matern(s2_, std::sqrt(r2));
}

void GaussianProcess::set_data(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  X_ = X;
  y_mean_ = y.size() ? y.mean() : 0;
  double var = y.size() > 1 ? (y.array() - y_mean_).square().sum() / static_cast<double>(y.size() - 1) : 0;
  y_scale_ = var > 1e-24 ? std::sqrt(var) : 1.0;
  z_ = (y.array() - y_mean_) / y_scale_;
}

double GaussianProcess::log_marginal_likelihood(const GpHyper& h, Eigen::VectorXd* grad) const {
  const Eigen::Index n = X_.rows(), d = X_.cols();
  Eigen::ArrayXd inv_l2 = (-2.0 * h.log_lengths.array()).exp();
  double s2 = std::exp(h.log_signal), noise = std::exp(h.log_noise);
  Eigen::MatrixXd K(n, n), R(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j <= i; ++j) {
      double r = std::sqrt(((X_.row(i) - X_.row(j)).array().square().transpose() * inv_l2).sum());
      R(i, j) = R(j, i) = r;
      K(i, j) = K(j, i) = matern(s2, r);
    }
  Eigen::MatrixXd Kf = K;
  K.diagonal().array() += noise + kJitter;
  Eigen::LLT<Eigen::MatrixXd> llt(K);
  if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
  Eigen::VectorXd alpha = llt.solve(z_);
  double log_det = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  double lml = -0.5 * z_.dot(alpha) - 0.5 * log_det - 0.5 * static_cast<double>(n) * std::log(2 * M_PI);
  if (grad) {
    // dL/dt = 1/2 tr((alpha alpha^T - K^-1) dK/dt)
    Eigen::MatrixXd W = alpha * alpha.transpose() - llt.solve(Eigen::MatrixXd::Identity(n, n));
    // For a log length scale k, with M = W .* dk/dr-factor (symmetric):
    //   1/2 sum_ij M_ij (x_ik - x_jk)^2 / l_k^2 = (sum_i x_ik^2 (M 1)_i - x_k^T M x_k) / l_k^2
    Eigen::MatrixXd M = W.cwiseProduct(R.unaryExpr([s2](double r) { return matern_dlog_l(s2, r); }));
    Eigen::VectorXd row_sums = M.rowwise().sum();
    grad->setZero(d + 2);
    for (Eigen::Index k = 0; k < d; ++k) {
      Eigen::VectorXd xk = X_.col(k);
      (*grad)(k) = inv_l2(k) * (xk.array().square().matrix().dot(row_sums) - xk.dot(M * xk));
    }
    (*grad)(d) = 0.5 * (W.array() * Kf.array()).sum();
    (*grad)(d + 1) = 0.5 * noise * W.trace();
  }
  return lml;
}

void GaussianProcess::fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Rng& rng, int restarts) {
  set_data(X, y);
  const Eigen::Index d = X.cols();
  std::vector<GpHyper> starts;
  GpHyper def;
  def.log_lengths = Eigen::VectorXd::Constant(d, std::log(0.3));
  starts.push_back(def);
  for (int s = 0; s < restarts; ++s) {
    GpHyper h;
    h.log_lengths.resize(d);
    for (Eigen::Index i = 0; i < d; ++i) h.log_lengths(i) = std::log(0.05) + rng.uniform() * (std::log(2.0) - std::log(0.05));
    h.log_signal = std::log(0.3) + rng.uniform() * (std::log(3.0) - std::log(0.3));
    h.log_noise = std::log(1e-5) + rng.uniform() * (std::log(0.1) - std::log(1e-5));
    starts.push_back(h);
  }
  GpHyper best = def;
  double best_lml = -std::numeric_limits<double>::infinity();
  for (const GpHyper& start : starts) {
    Eigen::VectorXd t = project(pack(start)), g;
    double lml = log_marginal_likelihood(unpack(t), &g);
    if (!std::isfinite(lml)) continue;
    double step = 0.5;
    for (int it = 0; it < 100 && step > 1e-4; ++it) {
      double norm = g.norm();
      if (!(norm > 1e-10)) break;
      Eigen::VectorXd cand = project(t + step * g / norm), cg;
      double cl = log_marginal_likelihood(unpack(cand), &cg);
      if (std::isfinite(cl) && cl > lml) {
        t = cand, g = cg, lml = cl;
        step = std::min(step * 1.5, 2.0);
      } else {
        step *= 0.5;
      }
    }
    if (lml > best_lml) best_lml = lml, best = unpack(t);
  }
  condition(X, y, best);
}

void GaussianProcess::condition(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& h) {
  set_data(X, y);
  h_ = h;
  inv_l2_ = (-2.0 * h.log_lengths.array()).exp();
  s2_ = std::exp(h.log_signal);
  const Eigen::Index n = X.rows();
  Eigen::MatrixXd K(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j <= i; ++j) K(i, j) = K(j, i) = kernel(X.row(i).transpose(), X.row(j).transpose());
  K.diagonal().array() += std::exp(h.log_noise) + kJitter;
  // Noise at its lower bound can leave K barely positive definite: add jitter until it factors.
  for (double extra = 1e-8; extra < 1; extra *= 10) {
    llt_.compute(K);
    if (llt_.info() == Eigen::Success) break;
    K.diagonal().array() += extra;
  }
  alpha_ = llt_.solve(z_);
}

void GaussianProcess::predict(const Eigen::VectorXd& x, double& mean, double& variance) const {
  const Eigen::Index n = X_.rows();
  if (n == 0) {
    mean = y_mean_;
    variance = s2_ * y_scale_ * y_scale_;
    return;
  }
  Eigen::VectorXd k(n);
  for (Eigen::Index i = 0; i < n; ++i) k(i) = kernel(x, X_.row(i).transpose());
  mean = y_mean_ + y_scale_ * k.dot(alpha_);
  Eigen::VectorXd v = llt_.matrixL().solve(k);
  variance = std::max(s2_ - v.squaredNorm(), 1e-12) * y_scale_ * y_scale_;
}

double expected_improvement(double mean, double variance, double best) {
  double sd = std::sqrt(std::max(variance, 0.0));
  double gain = best - mean;
  if (sd < 1e-12) return std::max(gain, 0.0);
  double z = gain / sd;
  double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
  return gain * cdf + sd * pdf;
}

}  // namespace tg::tuning
