using Microsoft.AspNetCore.Builder;

namespace Exchange.Host.Configuration;

/// <summary>The options both web applications of the daemon (SOAP service, operator endpoint) are built with.</summary>
internal static class WebApplicationDefaults
{
    /// <summary>
    /// Options for <see cref="WebApplication.CreateSlimBuilder(WebApplicationOptions)"/> with <paramref name="contentRoot"/>
    /// (the current directory when null).
    /// </summary>
    /// <remarks>
    /// The builder's default <c>appsettings.json</c> sources watch the content root with a recursive file-system watcher
    /// even after the daemon clears them, and the content root holds <c>data/</c> and <c>logs/</c>: every staging WAL
    /// write and audit line then became a change event processed in this process (about a tenth of its CPU under load).
    /// The daemon reads its own configuration files; schedule.json has its own watcher on the config folder.
    /// </remarks>
    public static WebApplicationOptions Options(string? contentRoot) => new()
    {
        ContentRootPath = contentRoot,
        EnvironmentName = "Production",
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    };
}
