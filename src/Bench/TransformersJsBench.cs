using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace EdgePali.Bench;

/// <summary>
/// transformers.js (the pinned @huggingface/transformers with onnxruntime-node under tests/conformance) kept
/// running in a Node process with the model loaded, so its runs can be interleaved one by one with EdgePali's:
/// both see the same machine state (thermals, other load) and the comparison stays fair on a busy machine.
/// </summary>
public sealed class TransformersJsBench : IAsyncDisposable
{
    public const string ScriptName = "paligemma-bench.mjs";

    private readonly Process _node;
    private readonly StringBuilder _stderr = new();

    private TransformersJsBench(Process node, string modelDirectory, string transformersVersion, string ortVersion)
    {
        _node = node;
        ModelDirectory = modelDirectory;
        TransformersJsVersion = transformersVersion;
        OnnxRuntimeNodeVersion = ortVersion;
    }

    public double LoadMs { get; private set; }

    /// <summary>The package Node runs.</summary>
    public string ModelDirectory { get; }

    public string TransformersJsVersion { get; }

    public string OnnxRuntimeNodeVersion { get; }

    /// <summary>Starts Node on the package and waits until the model is loaded.</summary>
    /// <param name="dtype">transformers.js dtype: the package variant name (int8, q4, fp32).</param>
    public static async Task<TransformersJsBench> StartAsync(
        string modelDirectory, string dtype, string imagePath, string prompt, int newTokens, int threads, CancellationToken cancellationToken)
    {
        var conformance = LocateConformanceFolder();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = conformance,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { Path.Combine(conformance, ScriptName), modelDirectory, dtype, imagePath, prompt, newTokens.ToString(), threads.ToString() })
        {
            start.ArgumentList.Add(a);
        }

        Process node;
        try
        {
            node = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("--compare transformers-js needs Node.js (`node` on PATH); install it (Debian: apt-get install nodejs) or leave out --compare.", ex);
        }

        var bench = new TransformersJsBench(node, modelDirectory, PackageVersion(conformance, "@huggingface/transformers"), PackageVersion(conformance, "onnxruntime-node"));
        node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (bench._stderr)
                {
                    bench._stderr.AppendLine(e.Data);
                }
            }
        };
        node.BeginErrorReadLine();
        try
        {
            using var ready = await bench.ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            bench.LoadMs = ready.RootElement.GetProperty("load_ms").GetDouble();
            return bench;
        }
        catch
        {
            await bench.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One run: preprocess the image and generate exactly the requested tokens.</summary>
    public async Task<TransformersJsRun> RunAsync(CancellationToken cancellationToken)
    {
        await _node.StandardInput.WriteLineAsync("run".AsMemory(), cancellationToken).ConfigureAwait(false);
        await _node.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var message = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
        return message.Deserialize<TransformersJsRun>()
            ?? throw new InvalidOperationException("transformers.js sent an empty run result.");
    }

    /// <summary>Ends the Node process and returns its peak resident memory (bytes).</summary>
    public async Task<long> QuitAsync(CancellationToken cancellationToken)
    {
        await _node.StandardInput.WriteLineAsync("quit".AsMemory(), cancellationToken).ConfigureAwait(false);
        await _node.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var message = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
        var rss = message.RootElement.GetProperty("max_rss_bytes").GetInt64();
        await _node.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return rss;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_node.HasExited)
        {
            _node.Kill(entireProcessTree: true);
            await _node.WaitForExitAsync().ConfigureAwait(false);
        }

        _node.Dispose();
    }

    /// <summary>The folder with the script and its installed node_modules.</summary>
    private static string LocateConformanceFolder()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var folder = Path.Combine(dir.FullName, "tests", "conformance");
                if (File.Exists(Path.Combine(folder, ScriptName)))
                {
                    if (!Directory.Exists(Path.Combine(folder, "node_modules", "@huggingface", "transformers")))
                    {
                        throw new InvalidOperationException($"transformers.js is not installed in {folder}: run `npm ci` there (./test.sh does it), or leave out --compare.");
                    }

                    return folder;
                }
            }
        }

        throw new InvalidOperationException(
            $"--compare transformers-js needs tests/conformance/{ScriptName} from the EdgePali repository; run edgepali-bench from inside the repository.");
    }

    private static string PackageVersion(string conformance, string package)
    {
        var path = Path.Combine(conformance, "node_modules", package, "package.json");
        if (!File.Exists(path))
        {
            return "unknown";
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.TryGetProperty("version", out var v) ? v.GetString() ?? "unknown" : "unknown";
    }

    /// <summary>Next JSON line from the script (lines that are not JSON, e.g. library warnings, are skipped).</summary>
    private async Task<JsonDocument> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await _node.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                await _node.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                string errors;
                lock (_stderr)
                {
                    errors = _stderr.ToString().Trim();
                }

                throw new InvalidOperationException($"transformers.js (node {ScriptName}) exited with code {_node.ExitCode}: {LastLines(errors, 15)}");
            }

            if (line.StartsWith('{'))
            {
                return JsonDocument.Parse(line);
            }
        }
    }

    private static string LastLines(string text, int count)
    {
        var lines = text.Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }
}
