using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Conveyor.Web.Security;

/// <summary>
/// Checks <c>Authorization: Bearer KEY</c> against the configured key. Both sides are hashed first so the
/// comparison takes the same time whatever the length or content of what was sent.
/// </summary>
internal sealed class ApiKeyCheck
{
    private readonly byte[]? _keyHash;

    public ApiKeyCheck(string? apiKey)
    {
        _keyHash = string.IsNullOrEmpty(apiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));
    }

    /// <summary>True when a key is configured.</summary>
    public bool Required => _keyHash is not null;

    public bool Allows(HttpRequest request)
    {
        if (_keyHash is null) return true;
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var sent = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(sent, _keyHash);
    }
}
