#include "maco/maco.h"

#include "common/error.h"
#include "model/model_adapter.h"

#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace cs::maco {

namespace {

namespace F = torch::nn::functional;

at::Tensor toTensor(const TensorBlob& blob) {
    return torch::from_blob(const_cast<float*>(blob.data.data()), blob.shape, torch::kFloat32).clone();
}

TensorBlob toBlob(const at::Tensor& t) {
    const at::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    TensorBlob blob;
    blob.shape = c.sizes().vec();
    blob.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return blob;
}

at::Tensor standardise(const at::Tensor& x) { return (x - x.mean()) / (x.std() + 1e-5); }

// x: C×H×W; mixes the channels by the colour matrix (C×C).
at::Tensor mixColours(const at::Tensor& colours, const at::Tensor& x) {
    return colours.matmul(x.reshape({x.size(0), -1})).reshape(x.sizes());
}

// The MaCo parametrisation (paper Sec. 3): the phase, standardised, with the fixed magnitude gives a
// spectrum; its inverse FFT, standardised, recorrelated and squashed by a sigmoid is the image.
at::Tensor imageFromPhase(const at::Tensor& magnitude, const at::Tensor& phase, const at::Tensor& colours, int64_t size) {
    const at::Tensor p = standardise(phase);
    const at::Tensor spectrum = torch::complex(magnitude * torch::cos(p), magnitude * torch::sin(p));
    const at::Tensor spatial = torch::fft::irfft2(spectrum, c10::IntArrayRef{size, size});
    return torch::sigmoid(mixColours(colours, standardise(spatial)));
}

// `count` square crops of the image (1×C×S×S) at random centres (N(0.5, 0.15)) and sides
// (N(box, 0.05), clipped to [0.05, 1]), resized to height×width: the reference's augmentation.
at::Tensor randomCrops(const at::Tensor& image, int count, double box, int64_t height, int64_t width) {
    const at::Tensor centres = 0.5 + 0.15 * torch::randn({count, 2});
    const at::Tensor sides = (box + 0.05 * torch::randn({count})).clamp(0.05, 1.0);
    at::Tensor theta = torch::zeros({count, 2, 3});
    theta.select(2, 0).select(1, 0).copy_(sides);
    theta.select(2, 1).select(1, 1).copy_(sides);
    theta.select(2, 2).copy_(2.0 * centres - 1.0);  // affine_grid's coordinates run over [-1, 1]
    const at::Tensor grid = F::affine_grid(theta, {count, image.size(1), height, width}, false);
    return F::grid_sample(image.expand({count, -1, -1, -1}), grid,
                          F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
}

// Lucid's dot-cossim objective, as the reference's direction objective: the dot product of each
// crop's activations with the direction (at every position) times its cosine, floored at 0.1, to a power.
at::Tensor dotCossim(const at::Tensor& activations, const at::Tensor& direction, double power) {
    std::vector<int64_t> shape(activations.dim(), 1);
    shape[1] = direction.size(0);
    const at::Tensor v = direction.view(shape).expand_as(activations);
    std::vector<int64_t> dims;
    for (int64_t d = 1; d < activations.dim(); ++d) dims.push_back(d);
    const at::Tensor dot = (activations * v).sum(dims);
    const at::Tensor cosine = dot / (activations.pow(2).sum(dims).sqrt() * v.pow(2).sum(dims).sqrt() + 1e-8);
    return (dot * cosine.clamp_min(0.1).pow(power)).mean();
}

// NAdam (Dozat, 2016) with PyTorch's momentum schedule; the reference optimises with Keras' Nadam(1.0).
// LibTorch 1.13's C++ optimisers have no NAdam.
class NadamAscent {
public:
    NadamAscent(const at::Tensor& parameter, double learningRate)
        : lr_(learningRate), m_(torch::zeros_like(parameter)), v_(torch::zeros_like(parameter)) {}

    // parameter += the NAdam step that increases the objective whose gradient is `gradient`.
    void step(at::Tensor& parameter, const at::Tensor& gradient) {
        constexpr double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, momentumDecay = 0.004;
        ++t_;
        const at::Tensor g = -gradient;
        const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t_ * momentumDecay));
        const double muNext = beta1 * (1.0 - 0.5 * std::pow(0.96, (t_ + 1) * momentumDecay));
        muProduct_ *= mu;
        m_.mul_(beta1).add_(g, 1.0 - beta1);
        v_.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
        const at::Tensor denominator = (v_ / (1.0 - std::pow(beta2, t_))).sqrt() + epsilon;
        parameter.sub_(lr_ * (1.0 - mu) / (1.0 - muProduct_) * g / denominator +
                       lr_ * muNext / (1.0 - muProduct_ * muNext) * m_ / denominator);
    }

private:
    double lr_;
    at::Tensor m_, v_;
    double muProduct_ = 1.0;
    int t_ = 0;
};

}  // namespace

NaturalImageStatistics naturalImageStatistics(const at::Tensor& imagesIn, int64_t size) {
    if (!imagesIn.defined() || imagesIn.dim() != 4 || imagesIn.size(0) == 0)
        throw Error("MaCo", "needs natural images to measure the magnitude spectrum from");
    torch::NoGradGuard noGrad;
    const int64_t channels = imagesIn.size(1);
    const at::Tensor images = F::interpolate(imagesIn.to(torch::kFloat64), F::InterpolateFuncOptions()
                                                                                .size(std::vector<int64_t>{size, size})
                                                                                .mode(torch::kBilinear)
                                                                                .align_corners(false));
    // Colour correlation: the square root of the pixels' colour covariance (Lucid's
    // color_correlation_svd_sqrt), scaled so its largest column has norm 1.
    at::Tensor colours = torch::eye(channels, torch::kFloat64);
    if (channels > 1) {
        const at::Tensor pixels = images.permute({0, 2, 3, 1}).reshape({-1, channels});
        const at::Tensor centred = pixels - pixels.mean(0);
        const at::Tensor covariance = centred.t().matmul(centred) / static_cast<double>(pixels.size(0));
        const auto [values, vectors] = torch::linalg_eigh(covariance);
        const at::Tensor root = vectors.matmul(torch::diag(values.clamp_min(1e-12).sqrt())).matmul(vectors.t());
        colours = root / root.pow(2).sum(0).sqrt().max();
    }
    // Each image taken back to the parametrisation's decorrelated space (inverse sigmoid, inverse
    // colour mixing, standardised), then the mean magnitude of its spectrum.
    const at::Tensor inverseColours = torch::linalg_inv(colours);
    at::Tensor magnitude = torch::zeros({channels, size, size / 2 + 1}, torch::kFloat64);
    for (int64_t i = 0; i < images.size(0); ++i) {
        const at::Tensor logits = torch::logit(images[i].clamp(0.01, 0.99));
        const at::Tensor decorrelated = standardise(mixColours(inverseColours, standardise(logits)));
        magnitude += torch::fft::rfft2(decorrelated).abs();
    }
    magnitude /= static_cast<double>(images.size(0));
    return {toBlob(magnitude), toBlob(colours)};
}

MacoImage visualizeDirection(model::VisionModel& model, const std::string& layer, const std::vector<float>& direction,
                             const NaturalImageStatistics& statistics, const MacoOptions& options,
                             const std::function<void(int)>& afterStep) {
    if (direction.empty()) throw Error("MaCo", "the concept has no vector");
    if (options.steps < 1 || options.size < 8 || options.crops < 1) throw Error("MaCo", "needs at least 1 step, 1 crop and an image of 8 pixels");
    const at::Tensor magnitude = toTensor(statistics.magnitude);
    const at::Tensor colours = toTensor(statistics.colourCorrelation);
    const int64_t channels = magnitude.size(0), size = magnitude.size(1);
    if (size != options.size) throw Error("MaCo", "the magnitude spectrum was measured for another image size");
    const model::ModelInfo& info = model.info();
    const bool declared = info.inputSize.size() == 3;
    if (declared && info.inputSize[0] != channels)
        throw Error(info.path, "expects " + std::to_string(info.inputSize[0]) + " channels; the images have " + std::to_string(channels));
    const int64_t height = declared ? info.inputSize[1] : size, width = declared ? info.inputSize[2] : size;
    const at::Tensor mean = info.mean.size() == static_cast<size_t>(channels) ? torch::tensor(info.mean).view({1, -1, 1, 1}) : torch::zeros({1, channels, 1, 1});
    const at::Tensor stdev = info.std.size() == static_cast<size_t>(channels) ? torch::tensor(info.std).view({1, -1, 1, 1}) : torch::ones({1, channels, 1, 1});
    const at::Tensor target = torch::tensor(direction);

    torch::manual_seed(options.seed);
    torch::AutoGradMode enableGrad(true);
    at::Tensor phase = torch::randn({channels, size, size / 2 + 1});
    at::Tensor transparency = torch::zeros({channels, size, size});
    NadamAscent optimiser(phase, options.learningRate);
    MacoImage result;
    for (int step = 0; step < options.steps; ++step) {
        const double box = options.boxStart + (options.boxEnd - options.boxStart) * step / std::max(1, options.steps - 1);
        const at::Tensor leaf = phase.detach().requires_grad_(true);
        const at::Tensor image = imageFromPhase(magnitude, leaf, colours, size);
        at::Tensor crops = randomCrops(image.unsqueeze(0), options.crops, box, height, width);
        // Noise for robustness (Olah et al., 2017), as the reference: Gaussian plus uniform.
        crops = crops + options.noise * torch::randn_like(crops) + options.noise * (torch::rand_like(crops) - 0.5);
        const at::Tensor activations = model.activations((crops - mean) / stdev, layer);
        if (activations.size(1) != target.size(0))
            throw Error(info.path, "activations at '" + layer + "' have " + std::to_string(activations.size(1)) + " channels; the concept vector has " +
                                       std::to_string(target.size(0)));
        const at::Tensor objective = dotCossim(activations, target, options.cossimPower);
        const auto gradients = torch::autograd::grad({objective}, {leaf, image});
        result.objective.push_back(objective.item<double>());
        {
            torch::NoGradGuard noGrad;
            optimiser.step(phase, gradients[0]);
            transparency += gradients[1].abs();
        }
        if (afterStep) afterStep(step);
    }
    torch::NoGradGuard noGrad;
    result.image = toBlob(imageFromPhase(magnitude, phase, colours, size));
    const at::Tensor alpha = transparency.sum(0);
    const double peak = alpha.max().item<double>();
    result.transparency = toBlob(peak > 0 ? alpha / peak : alpha);
    return result;
}

std::string macoPng(const MacoImage& macoImage) {
    const at::Tensor image = toTensor(macoImage.image);
    const at::Tensor alpha = toTensor(macoImage.transparency);
    const int64_t channels = image.size(0), height = image.size(1), width = image.size(2);
    const double clip = std::max(1e-12, torch::quantile(alpha.flatten(), 0.95).item<double>());
    const at::Tensor a = (alpha / clip).clamp(0, 1);
    // BGRA for OpenCV; a gray image repeats its one channel.
    std::vector<at::Tensor> planes;
    for (int64_t c : {2, 1, 0}) planes.push_back(image[channels == 3 ? c : 0]);
    planes.push_back(a);
    const at::Tensor bgra = (torch::stack(planes, 2) * 255.0).round().clamp(0, 255).to(torch::kUInt8).contiguous();
    cv::Mat mat(static_cast<int>(height), static_cast<int>(width), CV_8UC4, bgra.data_ptr<uint8_t>());
    std::vector<uint8_t> bytes;
    if (!cv::imencode(".png", mat, bytes)) throw Error("MaCo", "could not encode the picture as PNG");
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace cs::maco
