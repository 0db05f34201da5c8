#pragma once
// A CLI sub-command. Each commands/<name>_command.cpp defines a subclass and registers it with
//   static cs::cli::CommandRegistrar<MyCommand> registrar;
// main.cpp then builds the CLI11 app from every registered command (docs/cli.md).
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cs::cli {

class Command {
public:
    virtual ~Command() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    // Adds options to the sub-command; values are bound to members.
    virtual void setup(CLI::App& sub) = 0;
    // Returns the exit code (0 success). Throw cs::Error (exit 1) or cs::UsageError (exit 2).
    virtual int run() = 0;
};

using CommandFactory = std::function<std::unique_ptr<Command>()>;
std::vector<CommandFactory>& commandFactories();

template <class T>
struct CommandRegistrar {
    CommandRegistrar() { commandFactories().push_back([] { return std::make_unique<T>(); }); }
};

}  // namespace cs::cli
