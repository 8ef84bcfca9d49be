using System.Runtime.InteropServices;
using SQLitePCL;

namespace Conveyor.Sqlite.Connections;

/// <summary>
/// Direct entry points into the very SQLite library that Microsoft.Data.Sqlite (through SQLitePCLRaw)
/// loaded, for the calls the hot statements make dozens of times per job: binding values, reading
/// columns, stepping. Through SQLitePCLRaw each such call pays an interface dispatch and the reference
/// counting of a SafeHandle (about 50–70 ns here); the short ones are called here without the GC
/// transition as well (they neither block nor call back), a few nanoseconds each.
/// </summary>
/// <remarks>
/// Resolved once per process from the provider's own library (same name, same loading assembly, so
/// the same loaded module: a statement pointer from one copy of SQLite must never reach another).
/// When that fails, <see cref="Instance"/> is null and <see cref="SqliteStatement"/> goes through
/// SQLitePCLRaw. Immutable after its construction.
/// </remarks>
internal sealed unsafe class SqliteNativeApi
{
    /// <summary>SQLITE_TRANSIENT: SQLite copies a bound value before the bind call returns.</summary>
    public static readonly nint Transient = -1;

    /// <summary>The entry points, or null when they could not be resolved.</summary>
    public static SqliteNativeApi? Instance { get; } = TryLoad();

    private SqliteNativeApi(nint library)
    {
        Step = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(library, "sqlite3_step");
        Reset = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(library, "sqlite3_reset");
        ClearBindings = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int>)NativeLibrary.GetExport(library, "sqlite3_clear_bindings");
        BindInt64 = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long, int>)NativeLibrary.GetExport(library, "sqlite3_bind_int64");
        BindText16 = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, char*, int, nint, int>)NativeLibrary.GetExport(library, "sqlite3_bind_text16");
        BindText = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int>)NativeLibrary.GetExport(library, "sqlite3_bind_text");
        ColumnType = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)NativeLibrary.GetExport(library, "sqlite3_column_type");
        ColumnInt64 = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long>)NativeLibrary.GetExport(library, "sqlite3_column_int64");
        ColumnText = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*>)NativeLibrary.GetExport(library, "sqlite3_column_text");
        ColumnBytes = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)NativeLibrary.GetExport(library, "sqlite3_column_bytes");
        Changes = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int>)NativeLibrary.GetExport(library, "sqlite3_changes");
    }

    // Step and reset may do I/O or wait for locks: they keep the GC transition.
    public delegate* unmanaged[Cdecl]<nint, int> Step { get; }
    public delegate* unmanaged[Cdecl]<nint, int> Reset { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int> ClearBindings { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long, int> BindInt64 { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, char*, int, nint, int> BindText16 { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int> BindText { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> ColumnType { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long> ColumnInt64 { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*> ColumnText { get; }
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> ColumnBytes { get; }
    /// <summary>Takes the connection (sqlite3*), not a statement.</summary>
    public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int> Changes { get; }

    private static SqliteNativeApi? TryLoad()
    {
        try
        {
            // Loaded through the provider's assembly, as its own P/Invokes are: the same module.
            var provider = typeof(SQLite3Provider_e_sqlite3).Assembly;
            if (!NativeLibrary.TryLoad(raw.GetNativeLibraryName(), provider, null, out var library))
                return null;
            return new SqliteNativeApi(library);
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
