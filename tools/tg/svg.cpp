#include "tools/tg/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tg::cli {

namespace {

constexpr double kW = 560, kH = 340, kLeft = 64, kRight = 16, kTop = 36, kBottom = 48;

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

struct Frame {
  double x0, x1, y0, y1;
  double px(double x) const { return kLeft + (x - x0) / (x1 - x0) * (kW - kLeft - kRight); }
  double py(double y) const { return kH - kBottom - (y - y0) / (y1 - y0) * (kH - kTop - kBottom); }
};

Frame frame_of(const std::vector<const Series*>& all, bool square) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series* s : all)
    for (auto [x, y] : s->points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (square) x0 = y0 = std::min(x0, y0), x1 = y1 = std::max(x1, y1);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  double pad = (y1 - y0) * 0.05;
  return {x0, x1, y0 - pad, y1 + pad};
}

std::string open_svg(const std::string& id, const std::string& title, const Frame& f, const std::string& xl,
                     const std::string& yl, bool log_x = false) {
  std::string s = "<svg class=\"chart\" data-chart=\"" + id + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kW) +
                  "\" height=\"" + num(kH) + "\" viewBox=\"0 0 " + num(kW) + " " + num(kH) + "\">";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>";
  s += "<text x=\"" + num(kW / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" +
       html_escape(title) + "</text>";
  for (int i = 0; i <= 4; ++i) {
    double x = f.x0 + (f.x1 - f.x0) * i / 4, y = f.y0 + (f.y1 - f.y0) * i / 4;
    s += "<line x1=\"" + num(f.px(x)) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(f.px(x)) + "\" y2=\"" +
         num(kH - kBottom) + "\" stroke=\"#eee\"/>";
    s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(f.py(y)) + "\" x2=\"" + num(kW - kRight) + "\" y2=\"" +
         num(f.py(y)) + "\" stroke=\"#eee\"/>";
    s += "<text x=\"" + num(f.px(x)) + "\" y=\"" + num(kH - kBottom + 16) + "\" text-anchor=\"middle\" font-size=\"11\">" +
         num(log_x ? std::pow(10.0, x) : x) + "</text>";
    s += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(f.py(y) + 4) + "\" text-anchor=\"end\" font-size=\"11\">" + num(y) +
         "</text>";
  }
  s += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kW - kLeft - kRight) + "\" height=\"" +
       num(kH - kTop - kBottom) + "\" fill=\"none\" stroke=\"#999\"/>";
  s += "<text x=\"" + num(kW / 2) + "\" y=\"" + num(kH - 10) + "\" text-anchor=\"middle\" font-size=\"12\">" +
       html_escape(xl) + "</text>";
  s += "<text transform=\"translate(14 " + num(kH / 2) + ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" +
       html_escape(yl) + "</text>";
  return s;
}

std::string reference_line(const Frame& f, double x0, double y0, double x1, double y1) {
  return "<line x1=\"" + num(f.px(x0)) + "\" y1=\"" + num(f.py(y0)) + "\" x2=\"" + num(f.px(x1)) + "\" y2=\"" +
         num(f.py(y1)) + "\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>";
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '<') r += "&lt;";
    else if (c == '>') r += "&gt;";
    else if (c == '&') r += "&amp;";
    else if (c == '"') r += "&quot;";
    else r += c;
  }
  return r;
}

std::string line_chart(const std::string& id, const std::string& title, const std::vector<Series>& series,
                       const std::string& xl, const std::string& yl, bool diagonal) {
  std::vector<const Series*> all;
  for (const auto& s : series) all.push_back(&s);
  Frame f = frame_of(all, false);
  if (diagonal) f = {0, 1, 0, 1};
  std::string s = open_svg(id, title, f, xl, yl);
  if (diagonal) s += reference_line(f, 0, 0, 1, 1);
  double legend_y = kTop + 14;
  for (const auto& se : series) {
    std::string pts;
    for (auto [x, y] : se.points)
      if (std::isfinite(x) && std::isfinite(y)) pts += num(f.px(x)) + "," + num(f.py(y)) + " ";
    s += "<polyline fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"2\" points=\"" + pts + "\"/>";
    s += "<text x=\"" + num(kW - kRight - 8) + "\" y=\"" + num(legend_y) + "\" text-anchor=\"end\" font-size=\"12\" fill=\"" +
         se.color + "\">" + html_escape(se.name) + "</text>";
    legend_y += 16;
  }
  return s + "</svg>";
}

std::string scatter_chart(const std::string& id, const std::string& title, const Series& p, const std::string& xl,
                          const std::string& yl, bool identity_line, bool zero_line, bool log_x) {
  Series logged{p.name, {}, p.color};
  if (log_x)
    for (auto [x, y] : p.points)
      if (x > 0) logged.points.emplace_back(std::log10(x), y);
  const Series& q = log_x ? logged : p;
  Frame f = frame_of({&q}, identity_line);
  std::string s = open_svg(id, title, f, xl, yl, log_x);
  for (auto [x, y] : q.points)
    if (std::isfinite(x) && std::isfinite(y))
      s += "<circle cx=\"" + num(f.px(x)) + "\" cy=\"" + num(f.py(y)) + "\" r=\"2\" fill=\"" + p.color + "\" fill-opacity=\"0.5\"/>";
  if (identity_line) s += reference_line(f, f.x0, f.x0, f.x1, f.x1);
  if (zero_line) s += reference_line(f, f.x0, 0, f.x1, 0);
  return s + "</svg>";
}

std::string confusion_table(const std::vector<std::vector<long long>>& m, const std::vector<std::string>& labels) {
  long long most = 1;
  for (const auto& r : m)
    for (long long v : r) most = std::max(most, v);
  std::string s = "<table class=\"confusion\" data-chart=\"confusion-matrix\"><tr><th>actual \\ predicted</th>";
  for (const auto& l : labels) s += "<th>" + html_escape(l) + "</th>";
  s += "</tr>";
  for (size_t i = 0; i < m.size(); ++i) {
    s += "<tr><th>" + html_escape(labels[i]) + "</th>";
    for (long long v : m[i]) {
      int shade = 255 - static_cast<int>(180.0 * static_cast<double>(v) / static_cast<double>(most));
      s += "<td style=\"background:rgb(" + std::to_string(shade) + "," + std::to_string(shade) + ",255)\">" +
           std::to_string(v) + "</td>";
    }
    s += "</tr>";
  }
  return s + "</table>";
}

}  // namespace tg::cli
