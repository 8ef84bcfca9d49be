using System.Text;

namespace Conveyor.Handlers.Exec;

/// <summary>
/// Reads one output stream of a program to its end, keeping at most <c>limit</c> bytes: the first ones (stdout, which
/// must fit: going past the limit signals <c>overflow</c>) or the last ones (stderr, whose end says what went wrong).
/// </summary>
internal sealed class BoundedCapture(int limit, bool keepTail)
{
    private readonly byte[] _buffer = new byte[limit];
    private long _total;

    /// <summary>Every byte read, kept or not.</summary>
    public long Total => _total;

    public async Task ReadAsync(Stream stream, CancellationTokenSource? overflow)
    {
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            Keep(chunk.AsSpan(0, read));
            if (_total > limit && overflow is not null && !overflow.IsCancellationRequested)
                await overflow.CancelAsync().ConfigureAwait(false);
        }
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (!keepTail)
        {
            var room = (int)Math.Max(0, limit - _total);
            data[..Math.Min(room, data.Length)].CopyTo(_buffer.AsSpan((int)Math.Min(_total, limit)));
        }
        else if (data.Length >= limit)
        {
            data[^limit..].CopyTo(_buffer);
        }
        else
        {
            // Slide what is kept left and append: the buffer always holds the last bytes in order.
            var kept = (int)Math.Min(_total, limit);
            var drop = Math.Max(0, kept + data.Length - limit);
            _buffer.AsSpan(drop, kept - drop).CopyTo(_buffer);
            data.CopyTo(_buffer.AsSpan(kept - drop));
        }
        _total += data.Length;
    }

    /// <summary>The bytes kept.</summary>
    public ReadOnlySpan<byte> Bytes() => _buffer.AsSpan(0, (int)Math.Min(_total, limit));

    /// <summary>The bytes kept as text (invalid UTF-8, as where the tail cut a character, shows as U+FFFD), trimmed.</summary>
    public string Text() => Encoding.UTF8.GetString(Bytes()).Trim();
}
