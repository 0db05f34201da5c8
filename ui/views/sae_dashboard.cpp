#include "views/sae_dashboard.h"

#include "services/project_session.h"
#include "services/label_edits.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "results/run_data.h"
#include "store/project_store.h"

#include <QApplication>
#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace cs::ui {

namespace {
QJsonObject parseObject(const std::string& text) { return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object(); }

QStringList parseTags(const std::string& text) {
    QStringList tags;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text));
    for (const auto& value : doc.array()) {
        if (value.isString()) tags << value.toString();
        else if (value.isObject()) {
            const QJsonObject o = value.toObject();
            for (const char* key : {"tag", "name", "label"})
                if (o.contains(QLatin1String(key))) {
                    tags << o.value(QLatin1String(key)).toString();
                    break;
                }
        }
    }
    return tags;
}

QChart* makeBarChart(const QString& title, const QStringList& categories, const QList<qreal>& values, const QColor& color) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->hide();
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundBrush(QApplication::palette().color(QPalette::Base));
    chart->setTitleBrush(QApplication::palette().color(QPalette::Text));
    auto* set = new QBarSet(title);
    set->setColor(color);
    set->setBorderColor(color.darker(120));
    for (qreal v : values) *set << v;
    auto* series = new QBarSeries;
    series->setBarWidth(0.95);
    series->append(set);
    chart->addSeries(series);
    // 28 to 40 bins do not fit a label each: a value axis over the bar positions labels four of
    // them (what the dashboard's narrowest chart holds), upright, whole and at the normal size.
    auto* x = new QCategoryAxis;
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    x->setRange(-0.5, std::max<qsizetype>(1, categories.size()) - 0.5);
    x->setStartValue(-0.5);
    const qsizetype step = std::max<qsizetype>(1, (categories.size() + 3) / 4);
    for (qsizetype i = 0; i < categories.size(); i += step) x->append(categories[i], qreal(i));
    x->setGridLineVisible(false);
    x->setTruncateLabels(false);
    x->setLabelsBrush(QApplication::palette().color(QPalette::Text));
    auto* y = new QValueAxis;
    y->setLabelFormat(QStringLiteral("%g"));
    y->setLabelsBrush(QApplication::palette().color(QPalette::Text));
    y->setMin(0);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    return chart;
}
// A stored histogram {"counts": [...], "edges": [...]} (edges one longer than counts).
bool readJsonHistogram(const store::ProjectStore& store, qint64 runId, const char* name, QStringList& categories,
                       QList<qreal>& values) {
    const results::RunData run = results::loadRunArtifacts(store, runId);
    const auto* listing = run.histogram(name);
    const auto artifact = listing ? store.artifact(listing->id) : std::nullopt;
    if (!artifact) return false;
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(artifact->bytes)).object();
    const QJsonArray counts = o.value(QLatin1String("counts")).toArray(), edges = o.value(QLatin1String("edges")).toArray();
    if (counts.isEmpty() || edges.size() != counts.size() + 1) return false;
    for (int i = 0; i < counts.size(); ++i) {
        values << counts[i].toDouble();
        categories << QString::number((edges[i].toDouble() + edges[i + 1].toDouble()) / 2, 'g', 2);
    }
    return true;
}
}  // namespace

void LatentTableModel::setRows(std::vector<LatentRow> rows) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

QVariant LatentTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(rows_.size())) return {};
    const LatentRow& r = rows_[size_t(index.row())];
    if (role == Qt::UserRole) {  // sort key: numbers as numbers
        switch (index.column()) {
            case Index: return r.index;
            case Frequency: return r.frequency;
            case Confidence: return r.confidence;
            case Precision: return r.precision;
            case Recall: return r.recall;
            case Tags: return r.tags.join(QStringLiteral(", "));
            case Label: return r.label;
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Label)
        return r.note.isEmpty() ? tr("Double-click or F2 to label this latent") : r.note;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Index: return r.dead ? QStringLiteral("%1 (dead)").arg(r.index) : QString::number(r.index);
            case Frequency: return QString::number(r.frequency, 'g', 3);
            case Confidence: return QString::number(r.confidence, 'f', 2);
            case Precision: return QString::number(r.precision, 'f', 2);
            case Recall: return QString::number(r.recall, 'f', 2);
            case Tags: return r.tags.join(QStringLiteral(", "));
            case Label: return r.note.isEmpty() ? r.label : r.label + QStringLiteral(" — ") + r.note;
        }
    }
    if (role == Qt::ForegroundRole && r.dead) return QColor(150, 150, 150);
    if (role == Qt::TextAlignmentRole && index.column() != Tags && index.column() != Label) return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant LatentTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    static const char* names[] = {"Latent", "Frequency", "Confidence", "Precision", "Recall", "Tags", "Label"};
    static const char* tips[] = {"Latent number (dead = never among the top-k in training)",
                                 "Fraction of sequences on which the latent is active",
                                 "F1 of predicting 'latent active' from its tags on held-out sequences",
                                 "Of the held-out sequences with the tags, the fraction where the latent is active",
                                 "Of the held-out sequences where the latent is active, the fraction with the tags",
                                 "Item attributes over-represented among its top-activating sequences",
                                 "Your label and note (double-click or F2 to edit)"};
    if (role == Qt::DisplayRole && section < ColumnCount) return tr(names[section]);
    if (role == Qt::ToolTipRole && section < ColumnCount) return tr(tips[section]);
    return {};
}

void LatentFilterModel::setHideDead(bool hide) {
    hideDead_ = hide;
    invalidateFilter();
}

void LatentFilterModel::setMinConfidence(double confidence) {
    minConfidence_ = confidence;
    invalidateFilter();
}

bool LatentFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const auto* model = static_cast<const LatentTableModel*>(sourceModel());
    const LatentRow& row = model->row(sourceRow);
    if (hideDead_ && row.dead) return false;
    if (row.confidence < minConfidence_) return false;
    return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
}

SaeDashboard::SaeDashboard(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);
    auto* splitter = new QSplitter(this);

    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    filter_ = new QLineEdit(left);
    filter_->setPlaceholderText(tr("Filter by tag or latent number (regular expression)…"));
    filter_->setClearButtonEnabled(true);
    hideDead_ = new QCheckBox(tr("Hide dead"), left);
    bar->addWidget(filter_, 1);
    bar->addWidget(hideDead_);
    leftLayout->addLayout(bar);
    model_ = new LatentTableModel(this);
    proxy_ = new LatentFilterModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(Qt::UserRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    table_ = new QTableView(left);
    table_->setObjectName(QStringLiteral("latentTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(LatentTableModel::Confidence, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->hide();
    leftLayout->addWidget(table_);

    auto* right = new QWidget(splitter);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    histogram_ = new QChartView(right);
    histogram_->setRenderHint(QPainter::Antialiasing);
    histogram_->setMinimumHeight(200);
    density_ = new QChartView(right);
    density_->setRenderHint(QPainter::Antialiasing);
    density_->setMinimumHeight(200);
    auto* charts = new QHBoxLayout;
    charts->addWidget(histogram_);
    charts->addWidget(density_);
    rightLayout->addLayout(charts, 3);
    auto* sequencesBox = new QGroupBox(tr("Top-activating sequences"), right);
    auto* sequencesLayout = new QVBoxLayout(sequencesBox);
    sequences_ = new QTextBrowser(sequencesBox);
    sequencesLayout->addWidget(sequences_);
    rightLayout->addWidget(sequencesBox, 2);
    auto* ablationBox = new QGroupBox(tr("Ablation and steering"), right);
    auto* ablationLayout = new QVBoxLayout(ablationBox);
    auto* ablationBar = new QHBoxLayout;
    scale_ = new QDoubleSpinBox(ablationBox);
    scale_->setRange(-10, 10);
    scale_->setSingleStep(0.5);
    scale_->setValue(0.0);
    scale_->setToolTip(tr("0 removes the latent (ablation); another value multiplies its activation (steering)"));
    ablate_ = new QPushButton(tr("Run"), ablationBox);
    ablate_->setObjectName(QStringLiteral("ablateButton"));
    ablationBar->addWidget(new QLabel(tr("Scale the selected latent by"), ablationBox));
    ablationBar->addWidget(scale_);
    ablationBar->addWidget(ablate_);
    ablationBar->addStretch();
    ablationLayout->addLayout(ablationBar);
    ablation_ = new QTextBrowser(ablationBox);
    ablationLayout->addWidget(ablation_);
    connect(ablate_, &QPushButton::clicked, this, [this] {
        const int latent = selectedLatentIndex();
        if (latent < 0) return;
        ablation_->setHtml(tr("<p>Running: latent %1 × %2 …</p>").arg(latent).arg(scale_->value()));
        emit ablationRequested(selection_->runId(), latent, scale_->value());
    });
    buildUserConceptRow(ablationBox, ablationLayout);
    setAblationAvailable(false, tr("this build has no RecSAE engine"));
    rightLayout->addWidget(ablationBox, 4);  // the before/after lists need the room
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    connect(filter_, &QLineEdit::textChanged, this, &SaeDashboard::setFilterText);
    connect(hideDead_, &QCheckBox::toggled, proxy_, &LatentFilterModel::setHideDead);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (!current.isValid()) return;
        const QModelIndex source = proxy_->mapToSource(current);
        selection_->setConcept(model_->row(source.row()).id);
    });
    connect(table_, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        const LatentRow& row = model_->row(proxy_->mapToSource(index).row());
        openLabelEditor(this, session_, selection_->runId(), store::LabelTarget::Latent, row.id);
    });
    connect(session_, &ProjectSession::projectChanged, this, &SaeDashboard::reload);
    connect(session_, &ProjectSession::dataChanged, this, &SaeDashboard::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &SaeDashboard::reload);
    connect(selection_, &ConceptSelection::conceptChanged, this, &SaeDashboard::showLatent);
    reload();
}

QString SaeDashboard::summaryText() const { return summary_->text(); }
QString SaeDashboard::sequencesText() const { return sequences_->toPlainText(); }

int SaeDashboard::selectedLatentIndex() const {
    for (int r = 0; r < model_->rowCount(); ++r)
        if (model_->row(r).id == selection_->conceptId()) return model_->row(r).index;
    return -1;
}

// "Your item concept": a tag or item ids → the latents that fire for them (user-concept), listed
// with precision, recall and F1; "Steer with it" selects the chosen latent and steers with it.
void SaeDashboard::buildUserConceptRow(QWidget* box, QVBoxLayout* layout) {
    auto* bar = new QHBoxLayout;
    userConceptKind_ = new QComboBox(box);
    userConceptKind_->addItems({tr("Tag"), tr("Item ids")});
    userConcept_ = new QLineEdit(box);
    userConcept_->setObjectName(QStringLiteral("userConcept"));
    userConcept_->setPlaceholderText(tr("a tag of the item metadata, e.g. Drama"));
    connect(userConceptKind_, &QComboBox::currentIndexChanged, this, [this](int kind) {
        userConcept_->setPlaceholderText(kind == 0 ? tr("a tag of the item metadata, e.g. Drama") : tr("item ids as in the log, e.g. 12, 40, 77"));
    });
    userConcept_->setToolTip(tr("Your own concept as a set of items: the latents whose activation best tells the users who "
                                "recently saw these items (precision, recall, F1) are listed, ready to steer with"));
    findLatents_ = new QPushButton(tr("Find latents"), box);
    findLatents_->setObjectName(QStringLiteral("findLatentsButton"));
    bar->addWidget(new QLabel(tr("Your item concept"), box));
    bar->addWidget(userConceptKind_);
    bar->addWidget(userConcept_, 1);
    bar->addWidget(findLatents_);
    layout->insertLayout(0, bar);
    userConceptSummary_ = new QLabel(box);
    userConceptSummary_->setWordWrap(true);
    layout->insertWidget(1, userConceptSummary_);
    userLatents_ = new QTableWidget(0, 5, box);
    userLatents_->setObjectName(QStringLiteral("userConceptLatents"));
    userLatents_->setHorizontalHeaderLabels({tr("Latent"), tr("F1"), tr("Precision"), tr("Recall"), tr("Tags")});
    userLatents_->horizontalHeader()->setStretchLastSection(true);
    userLatents_->verticalHeader()->hide();
    userLatents_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    userLatents_->setSelectionBehavior(QAbstractItemView::SelectRows);
    userLatents_->setSelectionMode(QAbstractItemView::SingleSelection);
    userLatents_->setMaximumHeight(130);
    userLatents_->hide();
    layout->insertWidget(2, userLatents_);
    steer_ = new QPushButton(tr("Steer with it"), box);
    steer_->setObjectName(QStringLiteral("steerWithConceptButton"));
    steer_->setToolTip(tr("Select the chosen latent and steer with it (scale 2 when the scale is 0)"));
    steer_->hide();
    layout->insertWidget(3, steer_, 0, Qt::AlignLeft);
    auto find = [this] {
        const QString text = userConcept_->text().trimmed();
        if (text.isEmpty() || !selection_->runId()) return;
        userConceptSummary_->setText(tr("Finding the latents for %1 …").arg(text));
        if (userConceptKind_->currentIndex() == 0) {
            emit userConceptRequested(selection_->runId(), text, {});
            return;
        }
        QStringList ids;
        for (const QString& id : text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) ids << id;
        emit userConceptRequested(selection_->runId(), QString(), ids);
    };
    connect(findLatents_, &QPushButton::clicked, this, find);
    connect(userConcept_, &QLineEdit::returnPressed, this, find);
    connect(steer_, &QPushButton::clicked, this, [this] {
        const int row = userLatents_->currentRow();
        if (row < 0) return;
        const int latent = userLatents_->item(row, 0)->text().toInt();
        for (int r = 0; r < model_->rowCount(); ++r)
            if (model_->row(r).index == latent) selection_->setConcept(model_->row(r).id);
        if (scale_->value() == 0.0) scale_->setValue(2.0);  // 0 would remove it: steering boosts it
        if (ablate_->isEnabled()) ablate_->click();
    });
    connect(userLatents_, &QTableWidget::cellDoubleClicked, steer_, &QPushButton::click);
}

void SaeDashboard::showUserConceptResult(const QString& json) {
    userLatents_->setRowCount(0);
    const QJsonDocument document = QJsonDocument::fromJson(json.toUtf8());
    if (!document.isObject()) {  // the job's error message
        userConceptSummary_->setText(QStringLiteral("<span style='color:#d33'>%1</span>").arg(json.toHtmlEscaped()));
        userLatents_->hide();
        steer_->hide();
        return;
    }
    const QJsonObject result = document.object();
    const QJsonArray latents = result.value(QStringLiteral("latents")).toArray();
    userConceptSummary_->setText(tr("%1 items, among the recent items of %2 of %3 users; %4 latents fire for them. Pick one and "
                                    "steer with it.")
                                     .arg(result.value(QStringLiteral("n_items")).toInteger())
                                     .arg(result.value(QStringLiteral("states_with_items")).toInteger())
                                     .arg(result.value(QStringLiteral("n_states")).toInteger())
                                     .arg(latents.size()));
    userLatents_->setRowCount(int(latents.size()));
    for (int row = 0; row < latents.size(); ++row) {
        const QJsonObject l = latents[row].toObject();
        QStringList tags;
        for (const auto& tag : l.value(QStringLiteral("tags")).toArray()) {
            const QJsonObject t = tag.toObject();
            tags << (t.isEmpty() ? tag.toString() : t.value(QStringLiteral("tag")).toString());
        }
        const QStringList cells{QString::number(l.value(QStringLiteral("latent")).toInteger()),
                                QString::number(l.value(QStringLiteral("f1")).toDouble(), 'f', 3),
                                QString::number(l.value(QStringLiteral("precision")).toDouble(), 'f', 3),
                                QString::number(l.value(QStringLiteral("recall")).toDouble(), 'f', 3), tags.join(QStringLiteral(", "))};
        for (int c = 0; c < cells.size(); ++c) userLatents_->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
    userLatents_->setVisible(!latents.isEmpty());
    steer_->setVisible(!latents.isEmpty());
    steer_->setEnabled(ablationAvailable_);
    if (!latents.isEmpty()) userLatents_->selectRow(0);
}

void SaeDashboard::setAblationAvailable(bool available, const QString& why) {
    ablationAvailable_ = available;
    ablationUnavailable_ = why;
    findLatents_->setEnabled(available);
    steer_->setEnabled(available);
    ablate_->setEnabled(available && selectedLatentIndex() >= 0);
    ablate_->setToolTip(available ? tr("Decode with the latent scaled and compare each user's top-N before and after")
                                  : tr("Unavailable: %1").arg(why));
}

QString SaeDashboard::ablationText() const { return ablation_->toPlainText(); }

void SaeDashboard::showAblationResult(const QString& json) {
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject()) {
        ablation_->setHtml(QStringLiteral("<p style='color:#d33'>%1</p>").arg(json.toHtmlEscaped()));
        return;
    }
    const QJsonObject o = doc.object();
    const double scale = o.value(QLatin1String("scale")).toDouble();
    scale_->setValue(scale);  // the box shows the scale of the result on display, so Run repeats it
    QString html = tr("<p><b>Latent %1 × %2</b> (%3) over %4 users: top-%5 lists keep %6% of their items on average.</p>")
                       .arg(o.value(QLatin1String("latent")).toVariant().toString())
                       .arg(scale)
                       .arg(scale == 0.0 ? tr("ablated") : tr("steered"))
                       .arg(o.value(QLatin1String("users")).toVariant().toString())
                       .arg(o.value(QLatin1String("top_n")).toVariant().toString())
                       .arg(100.0 * o.value(QLatin1String("mean_overlap")).toDouble(), 0, 'f', 0);
    auto tags = [&](const char* key) {
        QStringList out;
        for (const auto& v : o.value(QLatin1String(key)).toArray()) {
            const QJsonObject t = v.toObject();
            out << QStringLiteral("%1 (%2%3)")
                       .arg(t.value(QLatin1String("tag")).toString().toHtmlEscaped())
                       .arg(t.value(QLatin1String("delta")).toDouble() >= 0 ? QStringLiteral("+") : QString())
                       .arg(t.value(QLatin1String("delta")).toDouble(), 0, 'g', 3);
        }
        return out.isEmpty() ? tr("none") : out.join(QStringLiteral(", "));
    };
    html += tr("<p><span style='color:#2a9d4b'>Rose: %1</span><br><span style='color:#d33'>Fell: %2</span></p>")
                .arg(tags("tags_rose"), tags("tags_fell"));
    // Each example user's list before and after, rank by rank: items that left the list are red,
    // items that entered it green (titles when the run has item metadata, else the item ids).
    const QJsonArray examples = o.value(QLatin1String("examples")).toArray();
    for (int i = 0; i < std::min<int>(3, examples.size()); ++i) {
        const QJsonObject e = examples[i].toObject();
        auto items = [&](const char* key) {
            QStringList ids, shown;
            const QJsonArray raw = e.value(QLatin1String(key)).toArray();
            const QJsonArray titles = e.value(QLatin1String(key) + QStringLiteral("_titles")).toArray();
            for (int j = 0; j < raw.size(); ++j) {
                ids << raw[j].toVariant().toString();
                shown << (j < titles.size() ? titles[j].toString() : ids.back());
            }
            return std::make_pair(ids, shown);
        };
        const auto [beforeIds, before] = items("before");
        const auto [afterIds, after] = items("after");
        html += tr("<p><b>User %1</b></p>").arg(e.value(QLatin1String("user")).toVariant().toString().toHtmlEscaped());
        html += tr("<table cellspacing=0 cellpadding=2 width='100%'><tr><th align=left>#</th><th align=left>before</th>"
                   "<th align=left>after</th></tr>");
        for (int j = 0; j < std::max(before.size(), after.size()); ++j) {
            QString b, a;
            if (j < before.size())
                b = afterIds.contains(beforeIds[j]) ? before[j].toHtmlEscaped()
                                                    : QStringLiteral("<span style='color:#d33'>%1</span>").arg(before[j].toHtmlEscaped());
            if (j < after.size())
                a = beforeIds.contains(afterIds[j]) ? after[j].toHtmlEscaped()
                                                    : QStringLiteral("<span style='color:#2a9d4b'><b>%1</b></span>").arg(after[j].toHtmlEscaped());
            html += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td></tr>").arg(j + 1).arg(b, a);
        }
        html += QStringLiteral("</table>");
    }
    ablation_->setHtml(html);
}

void SaeDashboard::setFilterText(const QString& text) {
    if (filter_->text() != text) filter_->setText(text);
    proxy_->setFilterRegularExpression(QRegularExpression(text, QRegularExpression::CaseInsensitiveOption));
}

void SaeDashboard::setHideDead(bool hide) { hideDead_->setChecked(hide); }

namespace {
LatentRow latentRow(const store::LatentRecord& latent) {
    LatentRow row;
    row.id = latent.id;
    row.index = int(latent.index);
    row.frequency = latent.frequency;
    row.confidence = latent.confidence;
    row.precision = latent.precision;
    row.recall = latent.recall;
    row.tags = parseTags(latent.tagsJson);
    row.metadataJson = QString::fromStdString(latent.metadataJson);
    const QJsonObject meta = parseObject(latent.metadataJson);
    row.dead = meta.value(QLatin1String("dead")).toBool(latent.frequency <= 0.0);
    return row;
}
}  // namespace

QString SaeDashboard::summaryLine(const std::vector<LatentRow>& rows, const results::RunData& run) const {
    const QJsonObject summary = parseObject(run.run.summaryJson);
    int confident = 0;
    for (const auto& r : rows) confident += r.confidence >= 0.8 ? 1 : 0;
    QString text = tr("<b>%1 latents</b> · <b>%2 dead</b> (%3%) · %4 with confidence ≥ 0.8")
                       .arg(rows.size())
                       .arg(deadCount_)
                       .arg(100.0 * deadCount_ / rows.size(), 0, 'f', 1)
                       .arg(confident);
    if (summary.contains(QLatin1String("fvu")))
        text += tr(" · FVU %1").arg(summary.value(QLatin1String("fvu")).toDouble(), 0, 'f', 3);
    if (summary.contains(QLatin1String("k"))) text += tr(" · k = %1").arg(summary.value(QLatin1String("k")).toInt());
    if (summary.contains(QLatin1String("ndcg10_model")))
        text += tr(" · NDCG@10 %1 → %2 with the reconstruction (full ranking)")
                    .arg(summary.value(QLatin1String("ndcg10_model")).toDouble(), 0, 'f', 3)
                    .arg(summary.value(QLatin1String("ndcg10_reconstructed")).toDouble(), 0, 'f', 3);
    return text;
}

QString SaeDashboard::storedAblationsHtml(const results::RunData& run) const {
    QString html;
    try {
        for (const auto* listing : run.ablations()) {
            const auto artifact = session_->store()->artifact(listing->id);
            if (!artifact) continue;
            const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(artifact->bytes)).object();
            if (o.contains(QLatin1String("examples"))) {  // one latent's result: listed, shown on selection
                html += tr("<p>Stored: %1 (select the latent to see it)</p>").arg(QString::fromStdString(artifact->name).toHtmlEscaped());
                continue;
            }
            html += QStringLiteral("<h4>%1</h4>").arg(QString::fromStdString(artifact->name).toHtmlEscaped());
            auto list = [&](const char* key) {
                QStringList items;
                for (const auto& v : o.value(QLatin1String(key)).toArray())
                    items << (v.isObject() ? v.toObject().value(QLatin1String("title")).toString(v.toObject().value(QLatin1String("item")).toVariant().toString())
                                           : v.toVariant().toString()).toHtmlEscaped();
                return items.join(QStringLiteral("<br>"));
            };
            html += tr("<table><tr><th>before</th><th>after</th></tr><tr><td valign=top>%1</td><td valign=top>%2</td></tr></table>")
                        .arg(list("before"), list("after"));
        }
    } catch (const std::exception&) {
        // An unreadable payload: the results read so far are shown.
    }
    return html;
}

void SaeDashboard::reload() {
    std::vector<LatentRow> rows;
    deadCount_ = 0;
    QString summaryText, ablationHtml;
    const qint64 runId = selection_->runId();
    if (session_->isOpen() && runId != 0) {
        try {
            const auto* store = session_->store();
            // A run deleted meanwhile reads as a run without latents.
            const results::RunData run = store->run(runId) ? results::loadRunData(*store, runId) : results::RunData{};
            for (const auto& latent : run.latents) {
                rows.push_back(latentRow(latent));
                if (const auto* user = run.userLabel(store::LabelTarget::Latent, latent.id)) {
                    rows.back().label = QString::fromStdString(user->text);
                    rows.back().note = QString::fromStdString(user->note);
                }
            }
            for (const auto& row : rows) deadCount_ += row.dead ? 1 : 0;
            summaryText = rows.empty() ? tr("Run %1 has no latents (not a RecSAE run).").arg(runId) : summaryLine(rows, run);
            ablationHtml = storedAblationsHtml(run);
        } catch (const std::exception& e) {
            summaryText = QString::fromStdString(e.what());
        }
    } else {
        summaryText = session_->isOpen() ? tr("Select a RecSAE run.") : tr("No project open.");
    }
    summary_->setText(summaryText);
    model_->setRows(std::move(rows));
    fillDensityChart();

    if (ablationHtml.isEmpty())
        ablationHtml = tr("<p>No ablation results stored for this run. An ablation sets a latent to zero (or scales it), "
                          "decodes, and compares the recommendation list before and after; run it with the RecSAE engine "
                          "and its results appear here.</p>");
    ablation_->setHtml(ablationHtml);
    showLatent(selection_->conceptId());  // after the listing: a stored ablation of it replaces the text
    selectMostConfidentLatent();
}

void SaeDashboard::selectMostConfidentLatent() {
    if (model_->rowCount() == 0 || selectedLatentIndex() >= 0) return;
    int best = -1;
    for (int r = 0; r < model_->rowCount(); ++r)
        if (!model_->row(r).dead && (best < 0 || model_->row(r).confidence > model_->row(best).confidence)) best = r;
    if (best >= 0) selection_->setConcept(model_->row(best).id);
}

void SaeDashboard::fillDensityChart() {
    {  // the engine's own density histogram when it stored one
        QStringList categories;
        QList<qreal> values;
        bool stored = false;
        try {
            stored = session_->isOpen() && selection_->runId() &&
                     readJsonHistogram(*session_->store(), selection_->runId(), "latent_log10_frequency", categories, values);
        } catch (const std::exception&) {
            // A run deleted meanwhile: the histogram below is made from the table.
        }
        if (stored) {
            density_->setChart(makeBarChart(tr("Latent density (log10 frequency)"), categories, values, QColor(118, 183, 178)));
            return;
        }
    }
    // Density histogram: log10 frequency of the live latents, dead ones in their own bar.
    const int bins = 12;
    const double lo = -6.0, hi = 0.0;
    QList<qreal> counts(bins + 1, 0.0);
    QStringList categories{tr("dead")};
    for (int b = 0; b < bins; ++b) categories << QString::number(lo + (hi - lo) * (b + 0.5) / bins, 'f', 1);
    for (int r = 0; r < model_->rowCount(); ++r) {
        const LatentRow& row = model_->row(r);
        if (row.dead) {
            counts[0] += 1;
            continue;
        }
        const double v = std::log10(std::max(row.frequency, 1e-12));
        const int b = std::clamp(int((v - lo) / (hi - lo) * bins), 0, bins - 1);
        counts[b + 1] += 1;
    }
    density_->setChart(makeBarChart(tr("Latent density (log10 frequency)"), categories, counts, QColor(118, 183, 178)));
}

void SaeDashboard::showLatent(qint64 latentId) {
    histogramBars_ = 0;
    ablate_->setEnabled(ablationAvailable_ && selectedLatentIndex() >= 0);
    int row = -1;
    for (int r = 0; r < model_->rowCount(); ++r)
        if (model_->row(r).id == latentId) row = r;
    if (row < 0) {
        histogram_->setChart(makeBarChart(tr("Select a latent"), {}, {}, conceptColor(0)));
        sequences_->setHtml(model_->rowCount() ? tr("<p>Select a latent in the table.</p>") : QString());
        return;
    }
    const LatentRow& latent = model_->row(row);
    {  // keep the table's current row in step with a selection made elsewhere
        const QModelIndex proxyIndex = proxy_->mapFromSource(model_->index(row, 0));
        if (proxyIndex.isValid() && table_->currentIndex().row() != proxyIndex.row()) {
            const QSignalBlocker blocker(table_->selectionModel());
            table_->selectRow(proxyIndex.row());
            table_->scrollTo(proxyIndex);
        }
    }
    // Activation histogram: a tensor artifact "latent_histogram"/"latent<N>" with metadata min/max.
    QList<qreal> values;
    QStringList categories;
    try {
        const results::RunData run = results::loadRunArtifacts(*session_->store(), selection_->runId());
        const auto* listing = run.latentHistogram(latent.index);
        const auto artifact = listing ? session_->store()->artifact(listing->id) : std::nullopt;
        if (artifact && artifact->tensor && artifact->tensor->valid()) {
            const QJsonObject meta = parseObject(artifact->metadataJson);
            const double lo = meta.value(QLatin1String("min")).toDouble(0), hi = meta.value(QLatin1String("max")).toDouble(1);
            const auto& data = artifact->tensor->data;
            for (size_t b = 0; b < data.size(); ++b) {
                values << data[b];
                categories << QString::number(lo + (hi - lo) * (b + 0.5) / data.size(), 'g', 2);
            }
        }
    } catch (const std::exception&) {
    }
    histogramBars_ = int(values.size());
    QString title = tr("Latent %1 activations").arg(latent.index);
    if (values.isEmpty()) {
        // No per-latent histogram: the run's distribution of all active latents' values.
        try {
            if (readJsonHistogram(*session_->store(), selection_->runId(), "activation_values", categories, values))
                title = tr("Activations of all latents (run)");
        } catch (const std::exception&) {
        }
        if (values.isEmpty()) title = tr("Latent %1: no activation histogram stored").arg(latent.index);
    }
    histogram_->setChart(makeBarChart(title, categories, values, conceptColor(latent.index)));

    // A stored ablation of this latent ("latent_<N>" of an ablation kind) is shown right away.
    try {
        const results::RunData run = results::loadRunArtifacts(*session_->store(), selection_->runId());
        for (const auto* listing : run.latentAblations(latent.index)) {
            if (const auto artifact = session_->store()->artifact(listing->id))
                showAblationResult(QString::fromStdString(artifact->bytes));
        }
    } catch (const std::exception&) {
    }

    const QJsonObject meta = QJsonDocument::fromJson(latent.metadataJson.toUtf8()).object();
    QString html = tr("<p><b>Latent %1</b> — tags: %2</p>")
                       .arg(latent.index)
                       .arg(latent.tags.isEmpty() ? tr("none") : latent.tags.join(QStringLiteral(", ")).toHtmlEscaped());
    const QJsonArray top = meta.value(QLatin1String("top_sequences")).toArray();
    if (top.isEmpty()) html += tr("<p>No top sequences stored.</p>");
    html += QStringLiteral("<ol>");
    for (const auto& value : top) {
        if (value.isString()) {
            html += QStringLiteral("<li>%1</li>").arg(value.toString().toHtmlEscaped());
            continue;
        }
        const QJsonObject seq = value.toObject();
        QStringList items;
        const QJsonArray itemList = seq.contains(QLatin1String("items")) ? seq.value(QLatin1String("items")).toArray()
                                                                        : seq.value(QLatin1String("recent_items")).toArray();
        for (const auto& item : itemList)
            items << (item.isObject() ? item.toObject().value(QLatin1String("title")).toString() : item.toVariant().toString()).toHtmlEscaped();
        html += tr("<li>activation %1 · user %2<br>%3</li>")
                    .arg(seq.value(QLatin1String("activation")).toDouble(), 0, 'f', 2)
                    .arg(seq.value(QLatin1String("user")).toVariant().toString())
                    .arg(items.join(QStringLiteral(" → ")));
    }
    html += QStringLiteral("</ol>");
    sequences_->setHtml(html);
}

}  // namespace cs::ui
