using System.CommandLine;
using System.Text.Json;
using EdgePali.Agent.Resilience;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Agent.Cli;

/// <summary>
/// `edgepali tokenize --model DIR --text "..." [--decode] [--skip-special-tokens]`: the ids the engine feeds the
/// model for a text, as a JSON array, or with --decode the text of a JSON array of ids. Uses the package's
/// tokenizer.json exactly as inference does, so prompts can be checked without loading the model.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model")
        {
            Description = $"Model package folder (holds {PackageFiles.Tokenizer}).",
            Required = true,
        };
        var text = new Option<string>("--text")
        {
            Description = "Text to encode (no <bos> is added; write it), or with --decode a JSON array of ids such as [2,21209,659,108].",
            Required = true,
        };
        var decode = new Option<bool>("--decode") { Description = "Decode the JSON array of ids in --text instead of encoding." };
        var skipSpecial = new Option<bool>("--skip-special-tokens")
        {
            Description = "With --decode: leave out special tokens (<bos>, <eos>, <image>, ...). Location and segmentation tokens stay.",
        };
        var command = new Command("tokenize", "Encode text to PaliGemma token ids (JSON array), or decode ids to text, with a model package's tokenizer.")
        {
            model,
            text,
            decode,
            skipSpecial,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            GemmaTokenizer tokenizer;
            try
            {
                tokenizer = GemmaTokenizer.FromDirectory(parse.GetRequiredValue(model).FullName);
            }
            catch (TokenizerLoadException e)
            {
                error.WriteLine($"edgepali tokenize: {e.Message}");
                return ExitCodes.Failure;
            }

            var input = parse.GetRequiredValue(text);
            if (!parse.GetValue(decode))
            {
                output.WriteLine(JsonSerializer.Serialize(tokenizer.Encode(input)));
                return ExitCodes.Ok;
            }

            if (!TryParseIds(input, out var ids, out var problem))
            {
                error.WriteLine($"edgepali tokenize: --text is not a JSON array of token ids ({problem}). Example: --decode --text \"[2,21209,659,108]\"");
                return ExitCodes.Failure;
            }

            output.WriteLine(tokenizer.Decode(ids, parse.GetValue(skipSpecial)));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool TryParseIds(string json, out int[] ids, out string problem)
    {
        ids = [];
        problem = "";
        try
        {
            ids = JsonSerializer.Deserialize<int[]>(json) ?? [];
            return true;
        }
        catch (JsonException e)
        {
            problem = e.Message;
            return false;
        }
    }
}
