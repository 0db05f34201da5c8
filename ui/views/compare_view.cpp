#include "views/compare_view.h"

#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "store/project_store.h"
#include "views/craft_results.h"
#include "views/hungarian.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace cs::ui {

CompareView::CompareView(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    runA_ = new QComboBox(this);
    runB_ = new QComboBox(this);
    runA_->setObjectName(QStringLiteral("compareRunA"));
    runB_->setObjectName(QStringLiteral("compareRunB"));
    threshold_ = new QDoubleSpinBox(this);
    threshold_->setRange(0, 1);
    threshold_->setSingleStep(0.05);
    threshold_->setValue(0.5);
    threshold_->setToolTip(tr("Pairs whose concept vectors have a cosine below this are flagged as weak"));
    bar->addWidget(new QLabel(tr("Run A:"), this));
    bar->addWidget(runA_, 1);
    bar->addWidget(new QLabel(tr("Run B:"), this));
    bar->addWidget(runB_, 1);
    bar->addWidget(new QLabel(tr("Weak below cosine"), this));
    bar->addWidget(threshold_);
    layout->addLayout(bar);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);
    table_ = new QTableWidget(this);
    table_->setColumnCount(6);
    table_->setHorizontalHeaderLabels({tr("Concept in A"), tr("Importance A"), tr("Cosine"), tr("Concept in B"),
                                       tr("Importance B"), tr("Note")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->hide();
    layout->addWidget(table_, 1);
    pairDetail_ = new QWidget(this);
    pairDetail_->setObjectName(QStringLiteral("comparePairDetail"));
    auto* sides = new QHBoxLayout(pairDetail_);
    sides->setContentsMargins(0, 0, 0, 0);
    for (int side = 0; side < 2; ++side) {
        auto* column = new QVBoxLayout;
        pairTitle_[side] = new QLabel(pairDetail_);
        pairCrops_[side] = new QLabel(pairDetail_);
        pairMap_[side] = new QLabel(pairDetail_);
        pairTitle_[side]->setObjectName(side == 0 ? QStringLiteral("pairTitleA") : QStringLiteral("pairTitleB"));
        pairCrops_[side]->setObjectName(side == 0 ? QStringLiteral("pairCropsA") : QStringLiteral("pairCropsB"));
        pairMap_[side]->setObjectName(side == 0 ? QStringLiteral("pairMapA") : QStringLiteral("pairMapB"));
        pairTitle_[side]->setWordWrap(true);
        column->addWidget(pairTitle_[side]);
        column->addWidget(pairCrops_[side]);
        column->addWidget(pairMap_[side]);
        column->addStretch(1);
        sides->addLayout(column, 1);
    }
    pairDetail_->hide();
    layout->addWidget(pairDetail_);

    connect(runA_, &QComboBox::currentIndexChanged, this, &CompareView::recompute);
    connect(runB_, &QComboBox::currentIndexChanged, this, &CompareView::recompute);
    connect(threshold_, &QDoubleSpinBox::valueChanged, this, &CompareView::recompute);
    connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) {
        // Selecting a pair selects its run-A concept when run A is the current run.
        if (row < 0 || row >= matches_.size()) return;
        if (runA_->currentData().toLongLong() == selection_->runId() && matches_[row].a) selection_->setConcept(matches_[row].a);
        showPair(row);
    });
    connect(session_, &ProjectSession::projectChanged, this, &CompareView::reload);
    connect(session_, &ProjectSession::dataChanged, this, &CompareView::reload);
    connect(selection_, &ConceptSelection::runChanged, this, [this](qint64 runId) {
        const int index = runA_->findData(runId);
        if (index >= 0) runA_->setCurrentIndex(index);
    });
    reload();
}

QString CompareView::summaryText() const { return summary_->text(); }

void CompareView::setRuns(qint64 runA, qint64 runB) {
    const QSignalBlocker blocker(runA_);
    runA_->setCurrentIndex(runA_->findData(runA));
    runB_->setCurrentIndex(runB_->findData(runB));
    recompute();
}

void CompareView::limitToRuns(const QList<qint64>& runIds) {
    runChoices_ = runIds;
    limited_ = true;
    reload();
}

void CompareView::showPair(int row) {
    if (row < 0 || row >= matches_.size()) {
        pairDetail_->hide();
        return;
    }
    fillPairSide(0, runA_->currentData().toLongLong(), matches_[row].a);
    fillPairSide(1, runB_->currentData().toLongLong(), matches_[row].b);
    pairDetail_->show();
}

// One side of the pair: the concept's name and importance, its best crops in a strip, and its map
// on the image where it is most important (the first projection heatmap the run drew for it).
void CompareView::fillPairSide(int side, qint64 runId, qint64 conceptId) {
    pairCrops_[side]->clear();
    pairMap_[side]->clear();
    if (!conceptId) {
        pairTitle_[side]->setText(tr("Run #%1: no partner").arg(runId));
        return;
    }
    try {
        const store::ProjectStore& store = *session_->store();
        const CraftResults results = loadCraftResults(store, runId);
        const ConceptInfo* concept = results.concept(conceptId);
        pairTitle_[side]->setText(tr("Run #%1 · %2 · importance %3")
                                      .arg(runId)
                                      .arg(concept ? concept->label : tr("concept %1").arg(conceptId))
                                      .arg(concept ? concept->importance : 0.0, 0, 'f', 3));
        constexpr int kSide = 72, kCrops = 6;
        const auto crops = conceptCropImages(store, results, conceptId, kCrops);
        if (!crops.empty()) {
            QPixmap strip(int(crops.size()) * (kSide + 4), kSide);
            strip.fill(Qt::transparent);
            QPainter painter(&strip);
            for (size_t i = 0; i < crops.size(); ++i)
                painter.drawImage(QRect(int(i) * (kSide + 4), 0, kSide, kSide), crops[i]);
            painter.end();
            pairCrops_[side]->setPixmap(strip);
        }
        for (const auto& artifact : store.artifacts(runId, store::ArtifactKind::Heatmap)) {
            const QJsonObject meta = QJsonDocument::fromJson(QByteArray::fromStdString(artifact.metadataJson)).object();
            if (meta.value(QStringLiteral("concept")).toInteger() != conceptId ||
                meta.value(QStringLiteral("map_type")).toString() != QStringLiteral("projection"))
                continue;
            const QImage map = loadArtifactImage(store, artifact.id);
            if (!map.isNull()) pairMap_[side]->setPixmap(QPixmap::fromImage(map.scaled(160, 160, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
            break;
        }
    } catch (const std::exception& e) {
        pairTitle_[side]->setText(QString::fromStdString(e.what()));
    }
}

void CompareView::reload() {
    const qint64 oldA = runA_->currentData().toLongLong(), oldB = runB_->currentData().toLongLong();
    const QSignalBlocker blockA(runA_), blockB(runB_);
    runA_->clear();
    runB_->clear();
    if (session_->isOpen()) {
        try {
            auto runs = session_->store()->runs();
            if (limited_) {
                runs.erase(std::remove_if(runs.begin(), runs.end(), [this](const store::RunRecord& run) { return !runChoices_.contains(qint64(run.id)); }),
                           runs.end());
                std::sort(runs.begin(), runs.end(), [this](const auto& x, const auto& y) {
                    return runChoices_.indexOf(qint64(x.id)) < runChoices_.indexOf(qint64(y.id));
                });
            }
            for (const auto& run : runs) {
                if (run.status != store::RunStatus::Done || session_->store()->concepts(run.id).empty()) continue;
                // A run's methods name it in a comparison, where the runs differ by little else.
                const QJsonObject parameters = QJsonDocument::fromJson(QByteArray::fromStdString(run.parametersJson)).object();
                const QString methods = parameters.contains(QStringLiteral("dictionary"))
                                            ? QStringLiteral(" %1 × %2").arg(parameters.value(QStringLiteral("dictionary")).toString(),
                                                                             parameters.value(QStringLiteral("importance")).toString())
                                            : QString();
                const QString text =
                    tr("#%1 %2%3 (%4)").arg(run.id).arg(QString::fromStdString(run.kind), methods, QString::fromStdString(run.finishedAt));
                runA_->addItem(text, qint64(run.id));
                runB_->addItem(text, qint64(run.id));
            }
        } catch (const std::exception& e) {
            summary_->setText(QString::fromStdString(e.what()));
        }
    }
    int a = runA_->findData(oldA), b = runB_->findData(oldB);
    if (a < 0) a = std::max(0, runA_->findData(selection_->runId()));
    if (b < 0) b = runB_->count() > 1 ? (a == 0 ? 1 : 0) : 0;
    runA_->setCurrentIndex(a);
    runB_->setCurrentIndex(b);
    recompute();
}

void CompareView::recompute() {
    matches_.clear();
    table_->setRowCount(0);
    pairDetail_->hide();
    if (!session_->isOpen() || runA_->count() == 0) {
        summary_->setText(tr("Compare needs a project with finished CRAFT runs."));
        return;
    }
    const qint64 runA = runA_->currentData().toLongLong(), runB = runB_->currentData().toLongLong();
    CraftResults a, b;
    try {
        a = loadCraftResults(*session_->store(), runA);
        b = loadCraftResults(*session_->store(), runB);
    } catch (const std::exception& e) {
        summary_->setText(QString::fromStdString(e.what()));
        return;
    }
    const auto topA = a.topLevel(), topB = b.topLevel();
    // Maximise the total cosine = minimise (1 - cosine); mismatched lengths never pair well.
    std::vector<std::vector<double>> cost(topA.size(), std::vector<double>(topB.size(), 2.0));
    std::vector<std::vector<double>> cosine(topA.size(), std::vector<double>(topB.size(), 0.0));
    for (size_t i = 0; i < topA.size(); ++i)
        for (size_t j = 0; j < topB.size(); ++j) {
            cosine[i][j] = cosineSimilarity(topA[i]->vector, topB[j]->vector);
            cost[i][j] = topA[i]->vector.size() == topB[j]->vector.size() ? 1.0 - cosine[i][j] : 2.0;
        }
    const std::vector<int> assignment = topB.empty() ? std::vector<int>(topA.size(), -1) : solveAssignment(cost);
    std::vector<bool> usedB(topB.size(), false);
    for (size_t i = 0; i < topA.size(); ++i) {
        ConceptMatch match;
        match.a = topA[i]->id;
        if (assignment[i] >= 0) {
            match.b = topB[assignment[i]]->id;
            match.cosine = cosine[i][assignment[i]];
            match.weak = match.cosine < threshold_->value();
            usedB[assignment[i]] = true;
        }
        matches_.append(match);
    }
    for (size_t j = 0; j < topB.size(); ++j)
        if (!usedB[j]) matches_.append(ConceptMatch{0, topB[j]->id, 0.0, false});
    std::stable_sort(matches_.begin(), matches_.end(), [](const ConceptMatch& x, const ConceptMatch& y) {
        return (x.a && x.b ? x.cosine : -1.0) > (y.a && y.b ? y.cosine : -1.0);
    });

    int matched = 0, weak = 0, unmatched = 0;
    table_->setRowCount(matches_.size());
    const QColor warn(230, 150, 30), bad(210, 60, 60);
    for (int row = 0; row < matches_.size(); ++row) {
        const ConceptMatch& m = matches_[row];
        const ConceptInfo* ca = a.concept(m.a);
        const ConceptInfo* cb = b.concept(m.b);
        auto cell = [&](int column, const QString& text, const QColor& swatch = QColor()) {
            auto* item = new QTableWidgetItem(text);
            if (swatch.isValid()) {
                QPixmap pixmap(12, 12);
                pixmap.fill(swatch);
                item->setIcon(QIcon(pixmap));
            }
            table_->setItem(row, column, item);
            return item;
        };
        cell(0, ca ? ca->label : QStringLiteral("—"), ca ? conceptColor(ca->colorIndex) : QColor());
        cell(1, ca ? QStringLiteral("%1 ± %2").arg(ca->importance, 0, 'f', 3).arg(ca->spread, 0, 'f', 3) : QString());
        cell(2, ca && cb ? QString::number(m.cosine, 'f', 3) : QString());
        cell(3, cb ? cb->label : QStringLiteral("—"), cb ? conceptColor(cb->colorIndex) : QColor());
        cell(4, cb ? QStringLiteral("%1 ± %2").arg(cb->importance, 0, 'f', 3).arg(cb->spread, 0, 'f', 3) : QString());
        QString note;
        QColor noteColor;
        if (!ca || !cb) {
            note = ca ? tr("only in A") : tr("only in B");
            noteColor = bad;
            ++unmatched;
        } else if (ca->vector.size() != cb->vector.size()) {
            note = tr("vectors of different lengths (%1 vs %2)").arg(ca->vector.size()).arg(cb->vector.size());
            noteColor = bad;
            ++weak;
        } else if (m.weak) {
            note = tr("weak match");
            noteColor = warn;
            ++weak;
        } else {
            ++matched;
        }
        QTableWidgetItem* noteItem = cell(5, note);
        if (noteColor.isValid()) {
            noteItem->setForeground(noteColor);
            for (int c = 0; c < 6; ++c) table_->item(row, c)->setToolTip(note);
        }
    }
    summary_->setText(tr("Run #%1: %2 concepts · run #%3: %4 concepts — %5 matched, %6 weak, %7 without a partner "
                         "(Hungarian assignment on the cosine of the concept vectors)")
                          .arg(runA).arg(topA.size()).arg(runB).arg(topB.size()).arg(matched).arg(weak).arg(unmatched));
}

}  // namespace cs::ui
