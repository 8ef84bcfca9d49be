using System.Text;
using Conveyor.Storage;
using Conveyor.Validation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Conveyor.Tests.Client;

/// <summary>
/// The core's validator against requests built from hostile values (every interface's input ends here): each is turned into a
/// job every store can keep, or refused with a <see cref="JobValidationException"/> naming a field; nothing else escapes.
/// </summary>
public sealed class HostileRequestProperties
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private static readonly string[] Fields =
        ["kind", "queue", "args", "priority", "maxAttempts", "runAt", "delay", "timeout", "uniqueFor", "orderingKey", "uniqueKey", "affinityKey", "after"];

    [Property(MaxTest = 3000, Arbitrary = [typeof(HostileRequests)])]
    public void A_request_becomes_a_job_every_store_can_keep_or_is_refused_naming_a_field(JobRequest request)
    {
        var validator = new JobValidator(new ConveyorOptions { MaxPayloadBytes = 2048 });
        NewJob job;
        try
        {
            job = validator.Validate(request, Now);
        }
        catch (JobValidationException e)
        {
            Fields.ShouldContain(e.Field);
            e.Reason.ShouldNotBeNullOrWhiteSpace();
            e.Reason.ShouldNotContain(c => char.IsControl(c), "an error message must not carry control characters to a terminal");
            return;
        }
        Names.Check(job.Kind, Names.MaxKindLength, "kind").ShouldBeNull();
        Names.Check(job.Queue, Names.MaxQueueLength, "queue").ShouldBeNull();
        StrictUtf8.GetByteCount(job.ArgsJson).ShouldBeLessThanOrEqualTo(2048);
        foreach (var key in new[] { job.OrderingKey, job.UniqueKey, job.AffinityKey })
        {
            if (key is null) continue;
            key.ShouldNotContain('\0');
            Should.NotThrow(() => StrictUtf8.GetByteCount(key), "a key must be text every store can keep");
        }
        job.MaxAttempts.ShouldBeInRange(1, ConveyorOptions.MaxAttemptsLimit);
        job.Priority.ShouldBeInRange(-ConveyorOptions.MaxPriority, ConveyorOptions.MaxPriority);
        (job.RunAt - Now).ShouldBeLessThanOrEqualTo(JobValidator.MaxHorizon);
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(HostileRequests)])]
    public void A_refused_name_is_shown_without_control_characters(HostileString name)
    {
        var error = Names.Check(name.Value, Names.MaxKindLength, "kind");
        if (error is null) return;
        error.ShouldNotContain(c => char.IsControl(c) || char.IsSurrogate(c));
    }
}

/// <summary>A string from <see cref="HostileRequests.Text"/>.</summary>
public sealed record HostileString(string Value);

/// <summary>FsCheck generators of hostile requests.</summary>
public static class HostileRequests
{
    public static Arbitrary<HostileString> Strings() => Arb.From(Text().Select(s => new HostileString(s)));

    public static Arbitrary<JobRequest> Requests()
    {
        var optionalText = Gen.Frequency([(2, Gen.Constant<string?>(null)), (3, Text().Select(s => (string?)s))]);
        var number = Gen.OneOf(Gen.Choose(-5, 5), Gen.Elements(int.MinValue, int.MaxValue, 1000, 1001, -1001), Gen.Choose(int.MinValue, int.MaxValue));
        var span = Gen.Frequency([(3, Gen.Constant<TimeSpan?>(null)), (1, Gen.Elements<TimeSpan?>(TimeSpan.Zero, TimeSpan.MaxValue, TimeSpan.MinValue,
            TimeSpan.FromDays(36_525), TimeSpan.FromDays(36_526), TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(-1))),
            (1, Gen.Choose(int.MinValue, int.MaxValue).Select(s => (TimeSpan?)TimeSpan.FromSeconds(s)))]);
        var time = Gen.Frequency([(3, Gen.Constant<DateTimeOffset?>(null)), (1, Gen.Elements<DateTimeOffset?>(DateTimeOffset.MinValue, DateTimeOffset.MaxValue,
            new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.FromHours(14))))]);
        var args = Gen.OneOf(Gen.Elements("{}", "[]", "{\"a\":1}", "null", "\"s\"", "{", "{}{}", "[1,]", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}",
            "{\"t\":\"" + new string('x', 2040) + "\"}", "{\"t\":\"" + new string('x', 2041) + "\"}"),
            Text().Select(t => "{\"v\":\"" + t.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"}"),
            Text());
        var after = Gen.Frequency([(5, Gen.Constant<long?>(null)), (1, Gen.Elements<long?>(0, -1, long.MinValue, long.MaxValue, 7))]);
        var options =
            from queue in optionalText
            from priority in number
            from maxAttempts in Gen.OneOf(Gen.Constant<int?>(null), number.Select(n => (int?)n))
            from runAt in time
            from delay in span
            from timeout in span
            from orderingKey in optionalText
            from uniqueKey in optionalText
            from uniqueFor in span
            from afterId in after
            from affinityKey in Gen.Frequency([(3, Gen.Constant<string?>(null)), (1, optionalText)])
            select new JobOptions
            {
                Queue = queue, Priority = priority, MaxAttempts = maxAttempts, RunAt = runAt, Delay = delay, Timeout = timeout,
                OrderingKey = orderingKey, UniqueKey = uniqueKey, UniqueFor = uniqueFor, After = afterId, AffinityKey = affinityKey,
            };
        var kind = Gen.OneOf(Gen.Elements("k", "send_email", "report.build", "a:b-c", new string('k', 128), new string('k', 129)), Text());
        return Arb.From(from k in kind from a in args from o in options select new JobRequest(k, a, o));
    }

    /// <summary>Control characters, SQL and JSON metacharacters, any UTF-16 unit (lone surrogates too), NUL, long runs.</summary>
    public static Gen<string> Text() => Gen.OneOf(
        Gen.Elements("", " ", "default", "'; DROP TABLE conveyor_jobs; --", "\" OR 1=1 --", "a\0b", "\ud800", "x\udc00y", "😀", "naïve", "\u001b[2J",
            new string('k', 255), new string('k', 256), new string('\u00e9', 300)),
        Gen.Choose(0, 30).SelectMany(n => Gen.ListOf(Gen.Frequency(
        [
            (6, Gen.Choose(0x20, 0x7E).Select(i => (char)i)),
            (2, Gen.Choose(0, 0x1F).Select(i => (char)i)),
            (2, Gen.Choose(0, 0xFFFF).Select(i => (char)i)),
            (1, Gen.Choose(0xD800, 0xDFFF).Select(i => (char)i)),
        ]), n)).Select(chars => new string([.. chars])));
}
