#pragma once
// cs::Error: the one exception type the engine throws for bad input or failed work.
// It always names the file (or object) at fault and the problem, so the CLI can print
// "concept-studio-cli: <file>: <problem>" and the GUI can show the same text in a dialog.
#include <stdexcept>
#include <string>

namespace cs {

class Error : public std::runtime_error {
public:
    Error(std::string subject, std::string problem)
        : std::runtime_error(subject.empty() ? problem : subject + ": " + problem),
          subject_(std::move(subject)), problem_(std::move(problem)) {}
    const std::string& subject() const { return subject_; }  // usually a file path
    const std::string& problem() const { return problem_; }

private:
    std::string subject_;
    std::string problem_;
};

// Thrown when a job notices its cancellation token; never shown as an error.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// Thrown for bad usage (CLI exit 2).
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace cs
