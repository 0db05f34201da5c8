// make_fixture_project OUT.cstudio: writes the synthetic GUI fixture project (for the user
// guide's screenshots and for trying the views without running an engine).
#include "fixture_project.h"

#include <QGuiApplication>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fixture_project OUT.cstudio\n");
        return 2;
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");  // only images are painted; no display needed
    QGuiApplication app(argc, argv);
    try {
        const auto runs = cs::test::buildFixtureProject(QString::fromLocal8Bit(argv[1]));
        std::printf("craft run %lld, craft run %lld, recsae run %lld, failed run %lld\n", (long long)runs.craft,
                    (long long)runs.craftB, (long long)runs.sae, (long long)runs.failed);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_fixture_project: %s\n", e.what());
        return 1;
    }
    return 0;
}
