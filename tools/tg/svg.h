// Small SVG charts for the HTML report: line charts and scatter plots with axes and ticks,
// and a confusion matrix as a shaded table. Plain text, no scripts, nothing fetched.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tg::cli {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;
  std::string color;
};

// `id` becomes the SVG's data-chart attribute (tests look charts up by it).
std::string line_chart(const std::string& id, const std::string& title, const std::vector<Series>& series,
                       const std::string& x_label, const std::string& y_label, bool diagonal = false);
// log_x: a logarithmic x axis (points with x <= 0 are left out), ticks labelled with the values.
std::string scatter_chart(const std::string& id, const std::string& title, const Series& points,
                          const std::string& x_label, const std::string& y_label, bool identity_line,
                          bool zero_line = false, bool log_x = false);
std::string confusion_table(const std::vector<std::vector<long long>>& m, const std::vector<std::string>& labels);
std::string html_escape(const std::string& s);

}  // namespace tg::cli
