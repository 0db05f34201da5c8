#include "services/run_launch.h"

#include <QFileInfo>

namespace cs::ui {

namespace {
QString fileName(const std::string& path) { return QFileInfo(QString::fromStdString(path)).fileName(); }
}  // namespace

QString RunSpec::projectPath() const {
    return QString::fromStdString(kind == Kind::Craft ? craft.projectPath : recsae.projectPath);
}

QString RunSpec::displayName() const {
    if (kind == Kind::Craft)
        return QStringLiteral("CRAFT %1 @ %2 (%3)")
            .arg(QString::fromStdString(craft.classSpec), QString::fromStdString(craft.options.layer), fileName(craft.modelPath));
    return QStringLiteral("RecSAE %1 on %2").arg(fileName(recsae.modelPath), fileName(recsae.interactionsPath));
}

}  // namespace cs::ui
