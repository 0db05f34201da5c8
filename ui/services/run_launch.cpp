#include "services/run_launch.h"

#include "sweep/class_list.h"

#include <QFileInfo>
#include <QStringList>

#include <algorithm>
#include <exception>

namespace cs::ui {

namespace {
QString fileName(const std::string& path) { return QFileInfo(QString::fromStdString(path)).fileName(); }

int listLength(const QString& list) { return std::max<int>(1, int(list.split(QLatin1Char(','), Qt::SkipEmptyParts).size())); }

// Whether the class field names more than one class. "all" and "@file" are lists whatever their
// length; a text the parser refuses is left to the run to refuse (naming the problem).
bool namesSeveralClasses(const std::string& classSpec) {
    if (classSpec == "all" || (!classSpec.empty() && classSpec.front() == '@')) return true;
    try {
        return sweep::parseClassList(classSpec, -1).size() > 1;
    } catch (const std::exception&) {
        return false;
    }
}
}  // namespace

QString RunSpec::projectPath() const {
    return QString::fromStdString(kind == Kind::Craft ? craft.projectPath : recsae.projectPath);
}

bool RunSpec::isSweep() const {
    if (sweep.executor == SweepSpec::Executor::Slurm) return true;
    if (kind == Kind::Craft) return namesSeveralClasses(craft.classSpec);
    return listLength(sweep.expansions) * listLength(sweep.ks) * listLength(sweep.seeds) > 1;
}

QString RunSpec::displayName() const {
    if (kind == Kind::Craft) {
        const size_t methods = craft::methodPairs(craft).size();
        return QStringLiteral("CRAFT %1 @ %2 (%3)%4")
            .arg(QString::fromStdString(craft.classSpec), QString::fromStdString(craft.options.layer), fileName(craft.modelPath),
                 methods > 1 ? QStringLiteral(", %1 methods compared").arg(methods) : QString());
    }
    return QStringLiteral("RecSAE %1 on %2").arg(fileName(recsae.modelPath), fileName(recsae.interactionsPath));
}

}  // namespace cs::ui
