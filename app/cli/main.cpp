// concept-studio-cli: the headless face of the studio (docs/cli.md).
// Exit 0 on success, 2 on bad usage, 1 on any other error (message on stderr naming the file).
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "common/message_text.h"
#include "common/output_file.h"
#include "cs/build_info.h"
#include "model/compute_backend.h"
#include "model/model_loader.h"
#include "model/plugin_registry.h"

#include <iostream>
#include <new>

namespace cs::cli {
std::vector<CommandFactory>& commandFactories() {
    static std::vector<CommandFactory> factories;
    return factories;
}
}  // namespace cs::cli

int main(int argc, char** argv) {
    cs::ignoreFileSizeSignal();
    cs::cli::installCancelSignals();
    CLI::App app{"ConceptStudio: concept-based explanations of vision and recommendation models", "concept-studio-cli"};
    // The version names the BLAS and thread counts that jobs run with: they decide its speed.
    app.set_version_flag("--version", [] {
        cs::model::configureTorchThreads();
        const auto backend = cs::model::detectComputeBackend();
        std::string text = std::string("concept-studio-cli ") + CS_VERSION_STRING + "\n" + backend.blasLine() + "\nLibTorch " +
                           backend.torchVersion + ", " + std::to_string(backend.torchThreads) + " intra-op threads";
        if (!backend.warning().empty()) text += "\nwarning: " + backend.warning();
        return text;
    });
    app.require_subcommand(0, 1);
    // Accepted before or after the sub-command (each sub-command falls through to it).
    bool allowInsecurePlugins = false;
    app.add_flag("--allow-insecure-plugins", allowInsecurePlugins,
                 "Load plugin files that group or others may write (refused by default, as ssh's StrictModes)");

    std::vector<std::unique_ptr<cs::cli::Command>> commands;
    std::vector<std::pair<CLI::App*, cs::cli::Command*>> subs;
    for (auto& factory : cs::cli::commandFactories()) commands.push_back(factory());
    std::sort(commands.begin(), commands.end(), [](auto& a, auto& b) { return a->name() < b->name(); });
    for (auto& command : commands) {
        CLI::App* sub = app.add_subcommand(command->name(), command->description());
        command->setup(*sub);
        sub->fallthrough();
        subs.emplace_back(sub, command.get());
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }

    cs::model::PluginRegistry::instance().setAllowInsecurePlugins(allowInsecurePlugins);
    for (auto& [sub, command] : subs) {
        if (!sub->parsed()) continue;
        try {
            return command->run();
        } catch (const cs::UsageError& e) {
            std::cerr << "concept-studio-cli " << command->name() << ": " << e.what() << "\n";
            return 2;
        } catch (const cs::Cancelled&) {
            std::cerr << "concept-studio-cli: cancelled\n";
            return 130;
        } catch (const std::bad_alloc&) {
            std::cerr << "concept-studio-cli " << command->name()
                      << ": out of memory (an input, model or option asks for more memory than this machine has)\n";
            return 1;
        } catch (const std::exception& e) {
            // A LibTorch error carries its C++ backtrace in what(): never shown to a user.
            std::cerr << "concept-studio-cli: " << cs::withoutBacktrace(e.what()) << "\n";
            return 1;
        }
    }
    std::cout << app.help() << std::flush;
    return 2;
}
