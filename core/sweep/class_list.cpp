#include "sweep/class_list.h"

#include "common/error.h"
#include "common/input_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>

namespace cs::sweep {

namespace {

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

bool isIndex(const std::string& text) {
    return !text.empty() && text.size() < 10 && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

void addUnique(std::vector<std::string>& out, std::string item) {
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(std::move(item));
}

void addItem(std::vector<std::string>& out, const std::string& item, int64_t classCount) {
    const auto dash = item.find('-');
    if (dash != std::string::npos && isIndex(item.substr(0, dash)) && isIndex(item.substr(dash + 1))) {
        const int64_t first = std::stoll(item.substr(0, dash)), last = std::stoll(item.substr(dash + 1));
        if (last < first) throw UsageError("--classes: the range " + item + " runs backwards");
        if (classCount >= 0 && last >= classCount)
            throw UsageError("--classes: the range " + item + " goes past the model's " + std::to_string(classCount) + " classes");
        for (int64_t c = first; c <= last; ++c) addUnique(out, std::to_string(c));
        return;
    }
    if (isIndex(item) && classCount >= 0 && std::stoll(item) >= classCount)
        throw UsageError("--classes: class " + item + " is past the model's " + std::to_string(classCount) + " classes");
    addUnique(out, item);
}

}  // namespace

std::vector<std::string> parseClassList(const std::string& text, int64_t classCount) {
    std::vector<std::string> out;
    const std::string spec = trimmed(text);
    if (spec == "all") {
        if (classCount <= 0) throw UsageError("--classes all: the model declares no class names, so its classes are unknown; give a range such as 0-9");
        for (int64_t c = 0; c < classCount; ++c) out.push_back(std::to_string(c));
        return out;
    }
    if (!spec.empty() && spec[0] == '@') {
        const std::string path = spec.substr(1);
        requireRegularFile(path, "a class list (one class index or name per line)");
        std::ifstream in(path);
        if (!in) throw Error(path, "cannot be opened");
        std::string line;
        while (std::getline(in, line)) {
            line = trimmed(line);
            if (line.empty() || line[0] == '#') continue;
            addItem(out, line, classCount);
        }
        if (out.empty()) throw Error(path, "the class list names no class");
        return out;
    }
    size_t start = 0;
    while (start <= spec.size()) {
        const size_t comma = spec.find(',', start);
        const std::string item = trimmed(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (item.empty()) throw UsageError("--classes: empty entry in '" + text + "'");
        addItem(out, item, classCount);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace cs::sweep
