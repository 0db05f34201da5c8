// concept-studio-cli models [--plugin-dir D]... [--json OUT]
// Lists the built-in adapters, the plugins found (name, version, path, state, error) and the
// folders searched. Exit 1 when a plugin failed to load (each failure named on stderr), so a
// broken plugin is noticed in scripts; the listing is still printed.
#include "cli_support.h"
#include "command.h"

#include "model/model_loader.h"
#include "model/plugin_registry.h"
#include "plugin_sdk/concept_studio_plugin.h"

#include <iomanip>
#include <iostream>

namespace cs::cli {

namespace {

class ModelsCommand final : public Command {
public:
    std::string name() const override { return "models"; }
    std::string description() const override { return "List model adapters and plugins (with versions and errors)"; }

    void setup(CLI::App& sub) override {
        sub.add_option("--plugin-dir", pluginDirs_, "Extra folder to search for plugins (repeatable)")
            ->check(CLI::ExistingDirectory);
        sub.add_option("--json", jsonOut_, "Write the listing as JSON to this file");
    }

    int run() override {
        auto& registry = model::PluginRegistry::instance();
        const std::vector<model::AdapterDescription> adapters = model::listAdapters(pluginDirs_);
        const std::vector<model::PluginSpec> plugins = registry.plugins();
        std::vector<std::string> searched = model::PluginRegistry::defaultSearchDirs();
        searched.insert(searched.end(), pluginDirs_.begin(), pluginDirs_.end());

        std::cout << "Adapters:\n";
        for (const auto& a : adapters) {
            const std::string origin = a.plugin.empty() ? "built-in" : "plugin " + a.plugin;
            std::cout << "  " << std::left << std::setw(26) << a.name << std::setw(24) << a.kind << std::setw(30) << origin
                      << a.description << "\n";
        }
        std::cout << "Plugins (ABI version " << CS_PLUGIN_ABI_VERSION << "):\n";
        if (plugins.empty()) std::cout << "  none found\n";
        for (const auto& p : plugins) {
            std::cout << "  " << std::left << std::setw(22) << (p.name.empty() ? "?" : p.name) << std::setw(10)
                      << (p.version.empty() ? "-" : p.version) << std::setw(8) << model::toString(p.state) << p.path << "\n";
            if (p.state == model::PluginState::Failed) std::cout << "      error: " << p.error << "\n";
        }
        std::cout << "Searched:\n";
        for (const auto& dir : searched) std::cout << "  " << dir << "\n";

        if (!jsonOut_.empty()) {
            nlohmann::json out{{"abi_version", CS_PLUGIN_ABI_VERSION}, {"search_dirs", searched}};
            out["adapters"] = nlohmann::json::array();
            for (const auto& a : adapters)
                out["adapters"].push_back({{"name", a.name}, {"kind", a.kind}, {"description", a.description},
                                           {"plugin", a.plugin}, {"path", a.pluginPath}, {"built_in", a.plugin.empty()}});
            out["plugins"] = nlohmann::json::array();
            for (const auto& p : plugins) {
                nlohmann::json entry{{"name", p.name},
                                     {"version", p.version},
                                     {"path", p.path},
                                     {"state", model::toString(p.state)},
                                     {"abi_version", p.abiVersion},
                                     {"adapters", p.adapters},
                                     {"error", p.error}};
                if (p.state == model::PluginState::Failed) entry["failed_at"] = model::toString(p.failedAt);
                out["plugins"].push_back(entry);
            }
            writeJsonFile(jsonOut_, out);
        }

        int failures = 0;
        for (const auto& p : plugins) {
            if (p.state != model::PluginState::Failed) continue;
            std::cerr << "concept-studio-cli: " << p.path << ": " << p.error << "\n";
            ++failures;
        }
        return failures == 0 ? 0 : 1;
    }

private:
    std::vector<std::string> pluginDirs_;
    std::string jsonOut_;
};

CommandRegistrar<ModelsCommand> registrar;

}  // namespace
}  // namespace cs::cli
