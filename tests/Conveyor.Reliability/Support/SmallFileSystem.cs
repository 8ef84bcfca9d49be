using System.Diagnostics;

namespace Conveyor.Reliability.Support;

/// <summary>A 2 MiB tmpfs mounted on a fresh folder, to run a store into a full disk; unmounted on dispose.</summary>
public sealed class SmallFileSystem : IAsyncDisposable
{
    private SmallFileSystem(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>Mounts the file system, or returns the reason it cannot be mounted here (not root, no mount permission).</summary>
    public static async Task<(SmallFileSystem? FileSystem, string? Reason)> TryMountAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "conveyor-tmpfs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var (code, text) = await RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", folder);
        if (code == 0) return (new SmallFileSystem(folder), null);
        Directory.Delete(folder);
        return (null, $"mount -t tmpfs is not permitted here (exit {code}: {text.Trim()}); the disk-full scenario needs root with CAP_SYS_ADMIN");
    }

    /// <summary>Writes a filler file until the file system refuses more; returns its path.</summary>
    public string Fill()
    {
        var path = Path.Combine(Folder, "filler");
        var chunk = new byte[16 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true) file.Write(chunk);
        }
        catch (IOException)
        {
            // Full: what is left is less than one chunk.
        }
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", "-l", Folder);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(int Code, string Text)> RunAsync(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, text);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
