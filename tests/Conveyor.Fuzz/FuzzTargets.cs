using System.Text;
using System.Text.Json;
using Conveyor.Validation;
using Conveyor.Web.Api;

namespace Conveyor.Fuzz;

/// <summary>
/// The entry points the fuzzer and the tests drive with arbitrary bytes. Each reads its input the way a front end does and
/// may refuse it only with the error that front end turns into a clear answer (a <see cref="JobValidationException"/>, the
/// API's <see cref="ApiProblemException"/>, or, for a CLI line, a <see cref="DecoderFallbackException"/> for bytes that are not
/// UTF-8). Any other exception is a bug: the fuzzer reports
/// it as a crash, the replay test fails.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>The payload limit the targets validate against: small, so the fuzzer reaches it.</summary>
    internal const int MaxPayloadBytes = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Made on first use, inside the fuzzer's run: instrumented code (Conveyor.dll) must not run before SharpFuzz set up its map.
    private static readonly Lazy<JobValidator> LazyValidator = new(() => new JobValidator(new ConveyorOptions { MaxPayloadBytes = MaxPayloadBytes }));

    private static JobValidator Validator => LazyValidator.Value;

    /// <summary>The targets by name (the corpus folder of each is <c>corpus/NAME</c>).</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["args"] = Args,
        ["request"] = Request,
    };

    /// <summary>One line of <c>conveyor enqueue --from FILE</c>: strict UTF-8 text, then the args check.</summary>
    public static void Args(byte[] input)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(input);
        }
        catch (DecoderFallbackException)
        {
            return; // the CLI stops here with "is not UTF-8 text"
        }
        try
        {
            Validator.ValidateArgs(text);
        }
        catch (JobValidationException e)
        {
            Expect(e.Field == "args", $"the args check blamed '{e.Field}'");
            return;
        }
        // Accepted: it must be exactly one JSON object or array that every store can keep.
        using var document = JsonDocument.Parse(StrictUtf8.GetBytes(text));
        Expect(document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array, "accepted args that are not an object or array");
        Expect(!HasNul(document.RootElement), "accepted args holding a NUL character");
    }

    /// <summary>The body of <c>POST /api/jobs</c>: parsed as the API parses it, read into a request, then validated.</summary>
    public static void Request(byte[] input)
    {
        JsonDocument body;
        try
        {
            body = RequestBody.Parse(input);
        }
        catch (ApiProblemException e)
        {
            Expect(e.StatusCode == 400, $"a body refused with status {e.StatusCode}");
            return; // empty, not UTF-8, or not JSON
        }
        using (body)
        {
            try
            {
                var request = JobRequestReader.Read(body.RootElement, MaxPayloadBytes);
                var job = Validator.Validate(request, DateTimeOffset.UnixEpoch.AddYears(60));
                Expect(Names.Check(job.Kind, Names.MaxKindLength, "kind") is null, "accepted a kind outside the name rules");
                Expect(Names.Check(job.Queue, Names.MaxQueueLength, "queue") is null, "accepted a queue outside the name rules");
                Expect(StrictUtf8.GetByteCount(job.ArgsJson) <= MaxPayloadBytes, "accepted args over the payload limit");
                Expect(new[] { job.OrderingKey, job.UniqueKey, job.AffinityKey }.All(key => key?.Contains('\0', StringComparison.Ordinal) != true),
                    "accepted a key holding a NUL character");
            }
            catch (JobValidationException e)
            {
                // The field may be "" (an unknown field of that name); the reason never is.
                Expect(e.Field is not null && !string.IsNullOrWhiteSpace(e.Reason), "a refusal without a field or a reason");
            }
            catch (ApiProblemException e)
            {
                Expect(e.StatusCode is 400 or 413, $"an API problem with status {e.StatusCode}");
            }
        }
    }

    private static bool HasNul(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name.Contains('\0', StringComparison.Ordinal) || HasNul(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(HasNul),
        JsonValueKind.String => element.GetString()!.Contains('\0', StringComparison.Ordinal),
        _ => false,
    };

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new FuzzFindingException(what);
    }
}
