// The HTML report from a synthetic project: every section present, self-contained, every
// user string inert, tolerant of runs that hold little.
#include "report/html_report.h"

#include "common/error.h"
#include "report/text_encoding.h"
#include "report_fixture.h"
#include "results/concept_palette.h"
#include "results/run_data.h"
#include "store/project_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using namespace cs::report;
using cs::report::testing::buildSyntheticProject;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
    return n;
}

// Attribute names of every start tag, read the way a browser tokenises them (quoted values
// skipped), so an "onerror=" inside a quoted, escaped value does not count but a real one does.
std::vector<std::string> attributeNames(const std::string& html) {
    std::vector<std::string> names;
    size_t i = 0;
    while ((i = html.find('<', i)) != std::string::npos) {
        ++i;
        if (i >= html.size() || !std::isalpha(static_cast<unsigned char>(html[i]))) continue;
        while (i < html.size() && std::isalnum(static_cast<unsigned char>(html[i]))) ++i;
        while (i < html.size() && html[i] != '>') {
            if (std::isspace(static_cast<unsigned char>(html[i])) || html[i] == '/') {
                ++i;
                continue;
            }
            const size_t start = i;
            while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) && html[i] != '=' &&
                   html[i] != '>')
                ++i;
            names.push_back(lower(html.substr(start, i - start)));
            if (i < html.size() && html[i] == '=') {
                ++i;
                if (html[i] == '"' || html[i] == '\'') {
                    const char quote = html[i];
                    i = html.find(quote, i + 1);
                    if (i == std::string::npos) return names;
                    ++i;
                } else {
                    while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) && html[i] != '>') ++i;
                }
            }
        }
    }
    return names;
}

class HtmlReportTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::string(CS_TEST_TMP) + "/report_html_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(dir_);
        project_ = buildSyntheticProject(dir_);
        store_ = cs::store::ProjectStore::open(project_.path, true);
    }
    std::string dir_;
    cs::report::testing::SyntheticProject project_;
    std::unique_ptr<cs::store::ProjectStore> store_;
};

TEST_F(HtmlReportTest, HasEverySectionOfBothRuns) {
    const std::string html = renderHtmlReport(*store_, {});
    for (const std::string& title : {"Model and data", "Parameters", "Concept importance", "Best crops per concept",
                                     "Concept attribution maps", "Concept hierarchy", "Faithfulness", "SAE metrics",
                                     "Latents", "Ablation results", "Latent hierarchy", "Stored tensors",
                                     "Reproducibility"})
        EXPECT_NE(html.find(">" + title + "</h3>"), std::string::npos) << title;
    // Both finished runs, not the failed one.
    EXPECT_NE(html.find("id=\"run-" + std::to_string(project_.craftRunId) + "\""), std::string::npos);
    EXPECT_NE(html.find("id=\"run-" + std::to_string(project_.saeRunId) + "\""), std::string::npos);
    EXPECT_EQ(html.find("id=\"run-" + std::to_string(project_.failedRunId) + "\""), std::string::npos);
    // Model summary, parameters, seeds and versions.
    EXPECT_NE(html.find(project_.modelSha256), std::string::npos);
    EXPECT_NE(html.find("torchscript-split"), std::string::npos);
    EXPECT_NE(html.find("layer4"), std::string::npos);
    EXPECT_NE(html.find("seed = 7"), std::string::npos);
    EXPECT_NE(html.find("seed = 11"), std::string::npos);
    EXPECT_NE(html.find("Report built with SQLite"), std::string::npos);
    EXPECT_NE(html.find("Report built with OpenCV"), std::string::npos);
    EXPECT_NE(html.find("Report built with LibTorch"), std::string::npos);
    // SAE metrics and the count of confident latents (0.5 + 0.02 i >= 0.8 for i >= 15: 9).
    EXPECT_NE(html.find("0.062"), std::string::npos);
    EXPECT_NE(html.find("Latents with confidence ≥ 0.8</th><td>9<"), std::string::npos);
    EXPECT_NE(html.find("Latents never active (frequency 0)</th><td>3<"), std::string::npos);
    // Ablation table with its items.
    EXPECT_NE(html.find("Heat (1995)"), std::string::npos);
    EXPECT_NE(html.find("rank_after"), std::string::npos);
    // Faithfulness curves and their areas, from the stored curve record (the summary's copy is
    // not shown a second time).
    EXPECT_EQ(html.find("deletion estimated"), std::string::npos);
    EXPECT_EQ(count(html, "Concept deletion and insertion curves"), 1u);
    // The engine's curve record: its series and area, but not its concept order.
    EXPECT_NE(html.find("<title>deletion_random</title>"), std::string::npos);
    EXPECT_NE(html.find("deletion_auc"), std::string::npos);
    EXPECT_EQ(html.find("<title>order</title>"), std::string::npos);
    // The mapped image's own picture leads its panel and is not repeated under other pictures.
    const auto maps = html.find(">Concept attribution maps</h3>");
    const auto sourcePicture = html.find("title=\"image: " + project_.imageDir + "/sneaker_2.png\"");
    EXPECT_GT(sourcePicture, maps);
    EXPECT_LT(sourcePicture, html.find(">Concept hierarchy</h3>"));
    EXPECT_EQ(html.find(">Other pictures</h3>"), std::string::npos);
    // Overlays are the attribution panels, projection first.
    const auto projection = html.find("sneaker_2.png#projection");
    ASSERT_NE(projection, std::string::npos);
    EXPECT_LT(projection, html.find("sneaker_2.png#grad-cam"));
    // Stored tensors with their shapes.
    EXPECT_NE(html.find("<td>W_enc</td><td class=\"mono\">[24, 6]</td>"), std::string::npos);
    // Sub-concepts appear in the hierarchy.
    EXPECT_NE(html.find("@layer3"), std::string::npos);
}

TEST_F(HtmlReportTest, IsSelfContained) {
    const std::string html = renderHtmlReport(*store_, {});
    // Charts inline, pictures as data: URIs: importance, two curve sets... at least 4 SVGs.
    EXPECT_GE(count(html, "<svg "), 4u);
    // (std::regex recurses per character and overflows the stack on long data: URIs.)
    size_t images = 0;
    for (size_t pos = html.find("<img "); pos != std::string::npos; pos = html.find("<img ", pos + 1)) {
        const size_t src = html.find(" src=\"", pos);
        ASSERT_LT(src, html.find('>', pos));
        EXPECT_EQ(html.compare(src + 6, 22, "data:image/png;base64,"), 0) << html.substr(src, 60);
        ++images;
    }
    // 2 heatmaps + crop thumbnails (1 stored for concept 3 + cut from the source images).
    EXPECT_GE(images, 2u + 1u + 8u);
    // No external fetch of any kind: the only URL is the SVG namespace name.
    const std::string l = lower(html);
    EXPECT_EQ(count(l, "http://") + count(l, "https://"), count(l, "xmlns=\"http://www.w3.org/2000/svg\""));
    EXPECT_EQ(l.find("@import"), std::string::npos);
    EXPECT_EQ(l.find("url("), std::string::npos);
    EXPECT_EQ(l.find("<link"), std::string::npos);
    EXPECT_NE(l.find("content-security-policy"), std::string::npos);
}

TEST_F(HtmlReportTest, UserStringsAreInert) {
    const std::string html = renderHtmlReport(*store_, {});
    const std::string l = lower(html);
    // Not one script element or event-handler attribute survives.
    EXPECT_EQ(l.find("<script"), std::string::npos);
    EXPECT_EQ(l.find("<img src=x"), std::string::npos);
    for (const auto& name : attributeNames(html)) EXPECT_NE(name.rfind("on", 0), 0u) << name;
    // They are shown, escaped: class name, item title, tag, concept label.
    EXPECT_NE(html.find("&lt;script&gt;alert(&#39;class&#39;)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(&#39;tag&#39;)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    // Also in the print flavour (where the SVG charts are base64 pictures).
    ReportOptions print;
    print.flavor = ReportFlavor::Print;
    const std::string printed = lower(renderHtmlReport(*store_, print));
    EXPECT_EQ(printed.find("<script"), std::string::npos);
    EXPECT_EQ(printed.find("<svg"), std::string::npos);
    EXPECT_NE(printed.find("data:image/svg+xml;base64,"), std::string::npos);
}

TEST_F(HtmlReportTest, CropsComeFromSourceImagesAndStoredThumbnails) {
    ReportOptions options;
    options.runIds = {project_.craftRunId};
    const std::string html = renderHtmlReport(*store_, options);
    const auto start = html.find(">Best crops per concept</h3>");
    const auto end = html.find(">Concept attribution maps</h3>");
    ASSERT_NE(start, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    const std::string section = html.substr(start, end - start);
    // 4 concepts; up to 8 crops each from the 12 readable crops; concept 3 shows its stored thumbnail.
    EXPECT_GE(count(section, "<img "), 10u);
    EXPECT_NE(section.find("title=\"concept-3-best\""), std::string::npos);
    // Stored thumbnails come best rank first (not in name order).
    const auto best = section.find("#best\"");
    ASSERT_NE(best, std::string::npos);
    EXPECT_LT(best, section.find("#a-second\""));
    // The crop whose source image is missing is listed by its box.
    EXPECT_NE(section.find("gone.png [0, 72, 32, 32]"), std::string::npos);
}

TEST_F(HtmlReportTest, NamedFailedRunShowsItsError) {
    ReportOptions options;
    options.runIds = {project_.failedRunId};
    const std::string html = renderHtmlReport(*store_, options);
    EXPECT_NE(html.find("This run is failed: layer9: the model has no such probe point"), std::string::npos);
    EXPECT_NE(html.find("This run stored no concepts."), std::string::npos);
}

TEST_F(HtmlReportTest, UnknownRunIsAnErrorNamingTheProject) {
    ReportOptions options;
    options.runIds = {9999};
    try {
        renderHtmlReport(*store_, options);
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), project_.path);
        EXPECT_NE(std::string(e.what()).find("no run 9999"), std::string::npos);
    }
}

TEST(HtmlReportEmpty, ProjectWithoutRunsSaysSo) {
    const std::string path = std::string(CS_TEST_TMP) + "/report_empty.cstudio";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    auto store = cs::store::ProjectStore::create(path);
    const std::string html = renderHtmlReport(*store, {});
    EXPECT_NE(html.find("no finished runs"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(TextEncoding, EscapesAndEncodes) {
    EXPECT_EQ(escapeHtml("a<b>&\"'\x01z"), "a&lt;b&gt;&amp;&quot;&#39;z");
    EXPECT_EQ(base64Encode(""), "");
    EXPECT_EQ(base64Encode("f"), "Zg==");
    EXPECT_EQ(base64Encode("fo"), "Zm8=");
    EXPECT_EQ(base64Encode("foo"), "Zm9v");
    EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(csvField("plain"), "plain");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvField("=SUM(A1)"), "'=SUM(A1)");
    EXPECT_EQ(csvField("-0.5"), "-0.5");
}

}  // namespace

TEST_F(HtmlReportTest, OpensWithASummaryOfFindingsInTheViewsColours) {
    const int64_t topConcept = project_.conceptIds[1];  // one of the four top-level concepts, all in the summary
    {
        auto writable = cs::store::ProjectStore::open(project_.path);
        writable->setLabel(cs::store::LabelTarget::Concept, topConcept, "toe cap", "seen on every sneaker");
    }
    const std::string html = renderHtmlReport(*store_, {});
    const auto summary = html.find("<h2 class=\"summary\" id=\"summary\">Summary</h2>");
    const auto firstRun = html.find("<h2 id=\"run-");
    ASSERT_NE(summary, std::string::npos);
    ASSERT_LT(summary, firstRun) << "the findings come before the per-run tables";
    const std::string section = html.substr(summary, firstRun - summary);
    EXPECT_NE(section.find("<b>toe cap</b>"), std::string::npos);
    EXPECT_NE(section.find("seen on every sneaker"), std::string::npos);
    EXPECT_NE(section.find("<img "), std::string::npos) << "the top concepts show a crop";
    EXPECT_NE(section.find("latents <b>"), std::string::npos) << "the SAE's headline figures";
    // The concept's colour is the one the studio's views give it.
    const auto run = cs::results::loadRunData(*store_, project_.craftRunId);
    for (const auto& c : run.concepts)
        if (c.id == topConcept) {
            const std::string colour = cs::results::conceptColorHex(cs::results::conceptColorIndex(run.concepts, c));
            EXPECT_NE(section.find("background:" + colour + "\"></span><b>toe cap"), std::string::npos) << colour;
        }
}

// A concept's MaCo picture (stored by `visualize`) appears beside its crops and in the summary;
// a run without pictures has no "Looks like" column.
TEST_F(HtmlReportTest, ShowsWhatAConceptLooksLikeWhenAPictureWasMade) {
    EXPECT_EQ(renderHtmlReport(*store_, {}).find("Looks like"), std::string::npos);
    const int64_t concept = project_.conceptIds[0];
    {
        auto writable = cs::store::ProjectStore::open(project_.path);
        cs::store::ArtifactRecord picture;
        picture.runId = project_.craftRunId;
        picture.kind = cs::store::ArtifactKind::FeatureVisualization;
        picture.name = "maco#concept" + std::to_string(concept);
        picture.mime = "image/png";
        picture.bytes = cs::report::testing::makePng(24, 24, 7);
        picture.metadataJson = "{\"concept_id\": " + std::to_string(concept) + ", \"method\": \"maco\"}";
        writable->replaceArtifact(picture);
    }
    const std::string html = renderHtmlReport(*store_, {});
    const auto firstRun = html.find("<h2 id=\"run-");
    ASSERT_NE(firstRun, std::string::npos);
    EXPECT_NE(html.substr(0, firstRun).find("<th>Looks like</th>"), std::string::npos);
    EXPECT_EQ(count(html, "as MaCo sees it\""), 2u) << "once in the summary, once beside the concept's crops";
}
