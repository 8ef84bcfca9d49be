using System.Reflection;
using Microsoft.Playwright;

namespace Conveyor.Web.Tests.Support;

/// <summary>
/// Where the browser tests save their screenshots: the test output folder, or the repository's docs/screenshots when
/// <c>CONVEYOR_SCREENSHOTS=docs</c> (how the pictures in docs/web.md are refreshed).
/// </summary>
public static class Screenshots
{
    private static readonly string Folder = Environment.GetEnvironmentVariable("CONVEYOR_SCREENSHOTS") == "docs"
        ? typeof(Screenshots).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ScreenshotFolder").Value!
        : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name + ".png"), FullPage = true });
    }
}
