namespace Conveyor.Tests.Exec;

/// <summary>A temporary folder of shell scripts written by a test, deleted with it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class ScriptDirectory : IDisposable
{
    public ScriptDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "conveyor-exec-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes an executable <c>/bin/sh</c> script and returns its absolute path.</summary>
    public string Script(string name, string body)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The absolute path of a file in the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process a failed test left behind may still write here; the folder is in the temp area.
        }
    }
}
