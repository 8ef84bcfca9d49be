namespace Conveyor.Web.Dashboard;

/// <summary>One embedded file of the dashboard.</summary>
internal sealed record DashboardAsset(byte[] Content, string ContentType);
