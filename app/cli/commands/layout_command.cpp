// `concept-studio-cli layout --tree TREE.json --method fat|squarified [--json OUT]` (docs/cli.md):
// lays out a weighted tree in the unit square and reports the cells and their quality. Pure geometry,
// fast enough to run in the foreground without the engine thread.
#include "cli_support.h"
#include "command.h"

#include "layout/layout.h"
#include "layout/tree_json.h"

#include <chrono>
#include <cstdio>

namespace cs::cli {
namespace {

class LayoutCommand : public Command {
public:
    std::string name() const override { return "layout"; }
    std::string description() const override {
        return "Lay out a weighted tree as a fat polygonal partition or a squarified treemap";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--tree", tree_, "Tree file: {\"name\", \"weight\"?, \"children\"?: [...]}")->required();
        sub.add_option("--method", method_, "fat (convex cells of bounded aspect ratio) or squarified")
            ->check(CLI::IsMember({"fat", "squarified"}))
            ->capture_default_str();
        sub.add_option("--json", json_, "Write the nodes, their polygons and the metrics to this file");
    }
    int run() override {
        const layout::LayoutMethod method = layout::parseMethod(method_);
        const layout::LayoutNode tree = layout::loadLayoutTree(tree_);
        const auto start = std::chrono::steady_clock::now();
        const std::vector<layout::LayoutCell> cells = layout::layoutInUnitSquare(tree, method);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const layout::LayoutMetrics metrics = layout::measureLayout(cells);
        if (!json_.empty()) {
            writeJsonFile(json_, layout::layoutToJson(cells, metrics, method, seconds));
            return 0;
        }
        std::printf("layout %s of %s: %zu nodes, %zu leaves\n", layout::methodName(method), tree_.c_str(),
                    metrics.cells, metrics.leaves);
        std::printf("  aspect ratio (diameter/width): max %.4g, p99 %.4g, mean %.4g\n", metrics.maxAspectRatio,
                    metrics.p99AspectRatio, metrics.meanAspectRatio);
        std::printf("  max relative area error: %.3g\n", metrics.maxAreaError);
        std::printf("  time: %.3f s\n", seconds);
        return 0;
    }

private:
    std::string tree_, json_;
    std::string method_ = "fat";
};

CommandRegistrar<LayoutCommand> registrar;

}  // namespace
}  // namespace cs::cli
