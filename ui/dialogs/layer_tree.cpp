#include "dialogs/layer_tree.h"

#include "services/cli_run_job.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFont>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QStandardPaths>
#include <QTreeWidget>
#include <QUuid>
#include <QVBoxLayout>

#include <functional>

namespace cs::ui {

namespace {
enum Column { NameColumn = 0, ShapeColumn = 1, CutColumn = 2 };
constexpr int kLayerRole = Qt::UserRole;      // the dotted path, on items that are layers
constexpr int kCuttableRole = Qt::UserRole + 1;

QString shapeText(const QJsonArray& shape) {
    QStringList parts;
    for (const auto& v : shape) parts << QString::number(v.toInteger());
    return parts.isEmpty() ? QStringLiteral("–") : parts.join(QStringLiteral("×"));
}

// The last lines of the engine's error output: its message names the model and the problem.
QString lastLines(const QByteArray& text, int count) {
    QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    while (lines.size() > count) lines.removeFirst();
    return lines.join(QLatin1Char('\n'));
}
}  // namespace

LayerTree::LayerTree(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    filter_ = new QLineEdit(this);
    filter_->setObjectName(QStringLiteral("layerFilter"));
    filter_->setPlaceholderText(tr("Type to filter the layers…"));
    filter_->setClearButtonEnabled(true);
    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("layerTree"));
    tree_->setHeaderLabels({tr("Layer"), tr("Output shape"), tr("Cut")});
    tree_->setRootIsDecorated(true);
    tree_->setUniformRowHeights(true);
    tree_->header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    tree_->header()->setSectionResizeMode(ShapeColumn, QHeaderView::ResizeToContents);
    tree_->header()->setSectionResizeMode(CutColumn, QHeaderView::ResizeToContents);
    tree_->header()->setStretchLastSection(false);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("layerStatus"));
    status_->setWordWrap(true);
    layout->addWidget(filter_);
    layout->addWidget(tree_, 1);
    layout->addWidget(status_);
    connect(filter_, &QLineEdit::textChanged, this, &LayerTree::applyFilter);
    connect(tree_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        if (!item || item->data(NameColumn, kLayerRole).toString().isEmpty()) return;
        if (item->data(NameColumn, kCuttableRole).toBool()) emit layerChosen(item->data(NameColumn, kLayerRole).toString());
        else status_->setText(item->toolTip(NameColumn));  // why this one cannot be the cut
    });
}

LayerTree::~LayerTree() {
    if (process_) {
        process_->disconnect(this);
        process_->kill();
        process_->waitForFinished(2000);
    }
    if (!jsonPath_.isEmpty()) QFile::remove(jsonPath_);
}

void LayerTree::clear() {
    tree_->clear();
    itemsByPath_.clear();
    status_->clear();
}

bool LayerTree::isLoading() const { return process_ && process_->state() != QProcess::NotRunning; }
QString LayerTree::statusText() const { return status_->text(); }

void LayerTree::load(const QString& modelPath, const QString& inputSize) {
    if (process_) {
        process_->disconnect(this);
        process_->kill();
        process_->waitForFinished(2000);
        process_->deleteLater();
        process_ = nullptr;
    }
    clear();
    modelPath_ = modelPath;
    const QString cli = findCliExecutable();
    if (cli.isEmpty()) {
        status_->setText(tr("The engine (concept-studio-cli) was not found next to the studio."));
        emit finished();
        return;
    }
    if (!jsonPath_.isEmpty()) QFile::remove(jsonPath_);
    jsonPath_ = QDir(QStandardPaths::writableLocation(QStandardPaths::TempLocation))
                    .filePath(QStringLiteral("concept-studio-layers-%1.json").arg(QUuid::createUuid().toString(QUuid::WithoutBraces)));
    QStringList arguments{QStringLiteral("layers"), QStringLiteral("--model"), modelPath, QStringLiteral("--json"), jsonPath_};
    if (!inputSize.trimmed().isEmpty()) arguments << QStringLiteral("--input-size") << inputSize.trimmed();
    process_ = new QProcess(this);
    connect(process_, &QProcess::finished, this, &LayerTree::onProcessFinished);
    connect(process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) onProcessFinished();
    });
    status_->setText(tr("Reading the layers of %1…").arg(QFileInfo(modelPath).fileName()));
    process_->start(cli, arguments);
}

void LayerTree::onProcessFinished() {
    if (!process_) return;
    const bool ok = process_->exitStatus() == QProcess::NormalExit && process_->exitCode() == 0;
    const QByteArray errors = process_->readAllStandardError();
    process_->deleteLater();
    process_ = nullptr;
    if (!ok) {
        const QString why = lastLines(errors, 3);
        status_->setText(why.isEmpty() ? tr("The engine could not read the layers of %1.").arg(modelPath_) : why);
    } else {
        QFile file(jsonPath_);
        if (!file.open(QIODevice::ReadOnly)) status_->setText(tr("The engine wrote no layer list for %1.").arg(modelPath_));
        else setLayersJson(file.readAll());
    }
    QFile::remove(jsonPath_);
    emit finished();
}

QTreeWidgetItem* LayerTree::itemFor(const QString& dottedPath) {
    // A missing parent (a container the engine did not list) is made as a plain grouping row.
    if (QTreeWidgetItem* found = itemsByPath_.value(dottedPath)) return found;
    const int dot = dottedPath.lastIndexOf(QLatin1Char('.'));
    QTreeWidgetItem* parent = dot > 0 ? itemFor(dottedPath.left(dot)) : nullptr;
    auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree_);
    item->setText(NameColumn, dottedPath.mid(dot + 1));
    item->setToolTip(NameColumn, dottedPath);
    itemsByPath_.insert(dottedPath, item);
    return item;
}

bool LayerTree::setLayersJson(const QByteArray& json) {
    tree_->clear();
    itemsByPath_.clear();
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isArray()) {
        status_->setText(tr("The layer list is not valid JSON: %1").arg(error.errorString()));
        return false;
    }
    int layers = 0, cuttable = 0;
    const QColor greyed = palette().color(QPalette::Disabled, QPalette::Text);
    for (const auto& value : document.array()) {
        const QJsonObject layer = value.toObject();
        const QString name = layer.value(QStringLiteral("name")).toString();
        if (name.isEmpty()) continue;
        QTreeWidgetItem* item = itemFor(name);
        const bool cut = layer.value(QStringLiteral("cuttable")).toBool();
        item->setData(NameColumn, kLayerRole, name);
        item->setData(NameColumn, kCuttableRole, cut);
        item->setText(ShapeColumn, shapeText(layer.value(QStringLiteral("shape")).toArray()));
        if (cut) {
            item->setText(CutColumn, QStringLiteral("✓"));
            item->setToolTip(NameColumn, tr("%1: a cut here works; click to split the model here").arg(name));
            QFont bold = item->font(NameColumn);
            bold.setBold(true);
            item->setFont(NameColumn, bold);
            ++cuttable;
        } else {
            const QString reason = layer.value(QStringLiteral("reason")).toString();
            item->setText(CutColumn, tr("no cut"));
            for (int c : {NameColumn, ShapeColumn, CutColumn}) {
                item->setForeground(c, greyed);
                item->setToolTip(c, tr("%1: no cut here — %2").arg(name, reason));
            }
        }
        ++layers;
    }
    tree_->expandToDepth(0);
    status_->setText(tr("%1 layers, %2 where a cut works (bold). Click one to split the model there.").arg(layers).arg(cuttable));
    applyFilter();
    return true;
}

void LayerTree::selectLayer(const QString& name) {
    QTreeWidgetItem* item = itemsByPath_.value(name);
    if (!item || item->data(NameColumn, kLayerRole).toString() != name) return;
    tree_->setCurrentItem(item);
    tree_->scrollToItem(item);
}

void LayerTree::applyFilter() {
    const QString text = filter_->text().trimmed();
    // Post-order: a row shows when it matches or any row below it does.
    std::function<bool(QTreeWidgetItem*)> visit = [&](QTreeWidgetItem* item) {
        bool below = false;
        for (int i = 0; i < item->childCount(); ++i) below = visit(item->child(i)) || below;
        const QString path = item->data(NameColumn, kLayerRole).toString();
        const bool match = text.isEmpty() || path.contains(text, Qt::CaseInsensitive) ||
                           item->text(NameColumn).contains(text, Qt::CaseInsensitive);
        item->setHidden(!(match || below));
        if (!text.isEmpty() && below) item->setExpanded(true);
        return match || below;
    };
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) visit(tree_->topLevelItem(i));
}

}  // namespace cs::ui
