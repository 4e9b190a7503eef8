using EdgePali.Quantize.Checkpoints;
using EdgePali.Quantize.Rewriting;
using EdgePali.Quantize.Rewriting.Qdq;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// The tiny PaliGemma 1 fp32 package quantised with `--mode qdq`, built once per test class: calibrated on a video
/// (uint16 activations, per-channel int8 weights; and uint8 activations), evaluated on other frames of the same
/// kind (<see cref="EvalImagesDir"/>).
/// </summary>
public sealed class QdqTinyPackages : TinyPackages
{
    public QdqTinyPackages()
        : base(TestCheckpointPreset.Tiny)
    {
        CalibrationVideo = CalibrationScenes.WriteVideo(Path.Combine(Scratch, "calibration.avi"), seed: 1, count: 24);
        EvalImagesDir = CalibrationScenes.WriteImages(Path.Combine(Scratch, "eval-images"), seed: 2, count: 4);
        Uint16Dir = Path.Combine(Scratch, "qdq-u16");
        Uint8Dir = Path.Combine(Scratch, "qdq-u8");
        Uint16Result = PackageQuantizer.QuantizeAsync(new QuantizeOptions(Fp32Dir, Uint16Dir, QuantizationMode.Qdq,
            Qdq: new QdqOptions(CalibrationVideo, PerChannel: true, MaxCalibrationFrames: 12))).GetAwaiter().GetResult();
        Uint8Result = PackageQuantizer.QuantizeAsync(new QuantizeOptions(Fp32Dir, Uint8Dir, QuantizationMode.Qdq,
            Qdq: new QdqOptions(CalibrationVideo, Activations: QuantType.UInt8, MaxCalibrationFrames: 12))).GetAwaiter().GetResult();
    }

    public string CalibrationVideo { get; }

    public string EvalImagesDir { get; }

    public string Uint16Dir { get; }

    public string Uint8Dir { get; }

    public QuantizeResult Uint16Result { get; }

    public QuantizeResult Uint8Result { get; }
}
