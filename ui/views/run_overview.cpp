#include "views/run_overview.h"

#include "results/project_search.h"
#include "results/run_data.h"
#include "results/run_headlines.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "store/project_store.h"
#include "views/craft_results.h"

#include <QFileInfo>
#include <QHash>
#include <QImage>
#include <QJsonDocument>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace cs::ui {

namespace {
constexpr int kTopConcepts = 4;
constexpr int kTopLatents = 3;
constexpr int kCropSide = 56;
// Dashboard links: cs-view:<run id>/<view name>.
const char* kLinkScheme = "cs-view";

QString prettyJson(const std::string& text) {
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text));
    if (doc.isNull()) return QString::fromStdString(text).toHtmlEscaped();
    QString pretty = QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
    if (pretty.size() > 20000) pretty = pretty.left(20000) + QStringLiteral("\n…");
    return pretty.toHtmlEscaped();
}

QString viewLink(qint64 runId, const QString& view, const QString& text) {
    return QStringLiteral("<a href=\"%1:%2/%3\">%4</a>").arg(QLatin1String(kLinkScheme)).arg(runId).arg(view, text);
}

QString fileName(const std::string& path) { return QFileInfo(QString::fromStdString(path)).fileName().toHtmlEscaped(); }

// A text browser that serves the dashboard's crop pictures by name: the HTML names them, and the
// document asks for them when it lays itself out (setHtml would drop added resources).
class DashboardBrowser : public QTextBrowser {
public:
    using QTextBrowser::QTextBrowser;
    QHash<QString, QImage> images;
    QVariant loadResource(int type, const QUrl& name) override {
        if (type == QTextDocument::ImageResource && images.contains(name.toString())) return images.value(name.toString());
        return QTextBrowser::loadResource(type, name);
    }
};
}  // namespace

RunOverview::RunOverview(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    text_ = new DashboardBrowser(this);
    text_->setOpenExternalLinks(false);
    text_->setOpenLinks(false);  // links are views of the studio, not pages
    layout->addWidget(text_);
    connect(text_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        if (url.scheme() != QLatin1String(kLinkScheme)) return;
        const QString target = url.path();  // "<run id>/<view>"
        const qint64 runId = target.section(QLatin1Char('/'), 0, 0).toLongLong();
        if (runId > 0) emit viewRequested(runId, target.section(QLatin1Char('/'), 1, 1));
    });
    connect(session_, &ProjectSession::projectChanged, this, &RunOverview::reload);
    connect(session_, &ProjectSession::dataChanged, this, &RunOverview::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &RunOverview::reload);
    reload();
}

QString RunOverview::plainText() const { return text_->toPlainText(); }

void RunOverview::reload() {
    if (!session_->isOpen()) {
        text_->setHtml(tr("<h2>ConceptStudio</h2><p>Explains what trained models learned: CRAFT concepts "
                          "for vision models, sparse-autoencoder latents for recommenders.</p>"
                          "<p>Open a project (<b>Ctrl+O</b>), create one (<b>Ctrl+N</b>), or open the demo "
                          "project from the File menu.</p>"));
        return;
    }
    QString html = dashboardHtml();
    const qint64 runId = selection_->runId();
    if (runId != 0) html += runDetailsHtml(runId);
    text_->setHtml(html);
}

// One block per run: what it analysed, how it went, what it found, and where to look.
QString RunOverview::dashboardHtml() {
    const auto* store = session_->store();
    std::vector<store::RunRecord> runs;
    try {
        runs = store->runs();
    } catch (const std::exception& e) {
        return tr("<p style='color:#d33'>Cannot list the runs: %1</p>").arg(QString::fromStdString(e.what()).toHtmlEscaped());
    }
    QString html = tr("<h2>%1</h2>").arg(session_->displayName().toHtmlEscaped());
    if (runs.empty())
        return html + tr("<p>No runs yet. Start one with <b>Run › New Run</b> (Ctrl+R), or with concept-studio-cli "
                         "craft / recsae, and it appears here.</p>");
    html += tr("<p>%n run(s), newest first. Ctrl+F searches labels, notes and tags.</p>", nullptr, int(runs.size()));
    html += QStringLiteral("<table width='100%' cellspacing=0 cellpadding=6>");
    auto& images = static_cast<DashboardBrowser*>(text_)->images;
    images.clear();
    for (const auto& record : runs) {
        const bool selected = record.id == selection_->runId();
        html += QStringLiteral("<tr><td style='border-top:1px solid #999;%1'>")
                    .arg(selected ? QStringLiteral("background:%1;").arg(themeColors().selection.lighter(170).name()) : QString());
        html += QStringLiteral("<b>%1</b> &nbsp; <span>%2</span><br>")
                    .arg(viewLink(record.id, QStringLiteral("overview"), QString::fromStdString(results::runDisplayName(record)).toHtmlEscaped()),
                         QString::fromLatin1(store::toString(record.status)));
        try {
            const results::RunData run = results::loadRunData(*store, record.id);
            QStringList facts;
            if (run.model) facts << tr("model %1").arg(fileName(run.model->path));
            if (run.dataset) facts << tr("data %1").arg(fileName(run.dataset->path));
            if (!record.finishedAt.empty()) facts << tr("finished %1").arg(QString::fromStdString(record.finishedAt));
            for (const auto& h : results::runHeadlines(run))
                facts << QStringLiteral("%1 <b>%2</b>").arg(QString::fromStdString(h.name).toHtmlEscaped(),
                                                            QString::fromStdString(h.value).toHtmlEscaped());
            html += facts.join(QStringLiteral(" · "));
            if (!record.error.empty())
                html += QStringLiteral("<br><span style='color:#d33'>%1</span>").arg(QString::fromStdString(record.error).toHtmlEscaped());
            QStringList views;
            if (!run.concepts.empty()) {
                // Top concepts: one best crop each, framed in the concept's colour, with its name.
                const CraftResults craft = loadCraftResults(*store, record.id);
                std::vector<const ConceptInfo*> top = craft.topLevel();
                std::stable_sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->importance > b->importance; });
                html += QStringLiteral("<br><table cellspacing=4><tr>");
                for (size_t i = 0; i < top.size() && i < size_t(kTopConcepts); ++i) {
                    const ConceptInfo* c = top[i];
                    const QString color = conceptColor(c->colorIndex).name();
                    html += QStringLiteral("<td align=center valign=top>");
                    const auto crops = conceptCropImages(*store, craft, c->id, 1);
                    if (!crops.empty()) {
                        const QString name = QStringLiteral("crop-%1-%2").arg(record.id).arg(c->id);
                        images.insert(name, crops.front().scaled(kCropSide, kCropSide, Qt::KeepAspectRatio,
                                                                 crops.front().width() < kCropSide / 2 ? Qt::FastTransformation
                                                                                                       : Qt::SmoothTransformation));
                        html += QStringLiteral("<table cellspacing=0 cellpadding=2 bgcolor='%1'><tr><td><img src='%2' width=%3 height=%3></td></tr></table>")
                                    .arg(color, name)
                                    .arg(kCropSide);
                    }
                    html += QStringLiteral("<span style='color:%1'>■</span> %2<br><small>%3</small></td>")
                                .arg(color, c->label.toHtmlEscaped())
                                .arg(c->importance, 0, 'f', 3);
                }
                html += QStringLiteral("</tr></table>");
                views << viewLink(record.id, QStringLiteral("atlas"), tr("Concept Atlas"))
                      << viewLink(record.id, QStringLiteral("heatmap"), tr("Heatmaps"))
                      << viewLink(record.id, QStringLiteral("hierarchy"), tr("Hierarchy"));
            }
            if (!run.latents.empty()) {
                std::vector<const store::LatentRecord*> top;
                for (const auto& l : run.latents) top.push_back(&l);
                std::stable_sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->confidence > b->confidence; });
                html += QStringLiteral("<ul style='margin-top:2px'>");
                for (size_t i = 0; i < top.size() && i < size_t(kTopLatents); ++i) {
                    const auto* l = top[i];
                    QStringList tags;
                    for (const auto& t : results::latentTags(*l)) tags << QString::fromStdString(t).toHtmlEscaped();
                    while (tags.size() > 4) tags.removeLast();
                    const auto* user = run.userLabel(store::LabelTarget::Latent, l->id);
                    html += tr("<li>latent %1%2 — confidence %3 — %4</li>")
                                .arg(l->index)
                                .arg(user && !user->text.empty() ? QStringLiteral(" <b>%1</b>").arg(QString::fromStdString(user->text).toHtmlEscaped())
                                                                 : QString())
                                .arg(l->confidence, 0, 'f', 2)
                                .arg(tags.isEmpty() ? tr("no tags") : tags.join(QStringLiteral(", ")));
                }
                html += QStringLiteral("</ul>");
                views << viewLink(record.id, QStringLiteral("sae"), tr("SAE Dashboard"))
                      << viewLink(record.id, QStringLiteral("hierarchy"), tr("Hierarchy"));
            }
            if (!views.isEmpty()) html += tr("Open: %1").arg(views.join(QStringLiteral(" · ")));
        } catch (const std::exception& e) {
            html += QStringLiteral("<span style='color:#d33'>%1</span>").arg(QString::fromStdString(e.what()).toHtmlEscaped());
        }
        html += QStringLiteral("</td></tr>");
    }
    html += QStringLiteral("</table>");
    return html;
}

QString RunOverview::runDetailsHtml(qint64 runId) {
    try {
        const auto* store = session_->store();
        if (!store->run(runId)) return tr("<p>Run %1 is no longer in the project.</p>").arg(runId);
        const results::RunData data = results::loadRunData(*store, runId);
        const store::RunRecord* run = &data.run;
        QString html = tr("<h2>Run #%1 — %2</h2>").arg(runId).arg(QString::fromStdString(run->kind).toHtmlEscaped());
        html += QStringLiteral("<table cellspacing=4>");
        auto row = [&](const QString& key, const QString& value) {
            html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
        };
        row(tr("Status"), QString::fromLatin1(store::toString(run->status)));
        row(tr("Created"), QString::fromStdString(run->createdAt));
        if (!run->startedAt.empty()) row(tr("Started"), QString::fromStdString(run->startedAt));
        if (!run->finishedAt.empty()) row(tr("Finished"), QString::fromStdString(run->finishedAt));
        row(tr("Results"), tr("%1 concepts, %2 crops, %3 latents, %4 artifacts, %5 labels")
                               .arg(data.concepts.size())
                               .arg(data.crops.size())
                               .arg(data.latents.size())
                               .arg(data.artifacts.size())
                               .arg(data.labels.size()));
        if (!run->error.empty())
            row(tr("Error"), QStringLiteral("<span style='color:#d33'>%1</span>").arg(QString::fromStdString(run->error).toHtmlEscaped()));
        html += QStringLiteral("</table>");
        html += tr("<h3>Parameters</h3><pre>%1</pre>").arg(prettyJson(run->parametersJson));
        html += tr("<h3>Summary</h3><pre>%1</pre>").arg(prettyJson(run->summaryJson));
        return html;
    } catch (const std::exception& e) {
        return tr("<p style='color:#d33'>Cannot read run %1: %2</p>").arg(runId).arg(QString::fromStdString(e.what()).toHtmlEscaped());
    }
}

}  // namespace cs::ui
