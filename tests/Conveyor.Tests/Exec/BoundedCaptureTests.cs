using Conveyor.Handlers.Exec;

namespace Conveyor.Tests.Exec;

// The output buffers of exec handlers: the head of stdout up to its limit, the tail of stderr, whatever the chunk sizes.
public sealed class BoundedCaptureTests
{
    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes per read, as a pipe may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    private static byte[] Numbered(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26))];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(8192)]
    public async Task TheTail_KeepsTheLastBytes_InOrder(int chunk)
    {
        var data = Numbered(10_000);
        var capture = new BoundedCapture(4096, keepTail: true);

        await capture.ReadAsync(new ChunkedStream(data, chunk), null);

        capture.Total.ShouldBe(10_000);
        capture.Bytes().ToArray().ShouldBe(data[^4096..]);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8192)]
    public async Task TheHead_KeepsTheFirstBytes_AndSignalsAnOverflow(int chunk)
    {
        var data = Numbered(100);
        using var overflow = new CancellationTokenSource();
        var capture = new BoundedCapture(64, keepTail: false);

        await capture.ReadAsync(new ChunkedStream(data, chunk), overflow);

        capture.Bytes().ToArray().ShouldBe(data[..64]);
        overflow.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public async Task OutputWithinTheLimit_IsKeptWhole_WithoutAnOverflow()
    {
        var data = Numbered(64);
        using var overflow = new CancellationTokenSource();
        var capture = new BoundedCapture(64, keepTail: false);

        await capture.ReadAsync(new ChunkedStream(data, 5), overflow);

        capture.Bytes().ToArray().ShouldBe(data);
        overflow.IsCancellationRequested.ShouldBeFalse();
    }
}
