namespace Governance.Cli.Core;

/// <summary>Which service to talk to and with which key, and where each came from (for error messages).</summary>
public sealed record Connection(Uri ServiceUrl, string? Token, string TokenSource)
{
    /// <summary>Where the service listens when nothing says otherwise (the service's own default).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The key file the service writes on first start in embedded mode.</summary>
    public static readonly string KeyFile = Path.Combine(".governance", "admin.key");

    /// <summary>
    /// The URL: <c>--url</c>, else <c>GOV_URL</c>, else the default. The key: <c>--token</c>, else <c>GOV_TOKEN</c>, else
    /// <c>.governance/admin.key</c> in the working directory or the nearest parent that has one — but only for a loopback
    /// URL, so a local admin key is never sent to another machine.
    /// </summary>
    public static Connection Resolve(string? urlOption, string? tokenOption, CliContext context)
    {
        var (text, urlSource) = urlOption is { Length: > 0 } ? (urlOption.Trim(), "--url")
            : context.Variable("GOV_URL") is { } fromEnvironment ? (fromEnvironment, "GOV_URL")
            : (DefaultUrl, "the default");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException(ExitCodes.Usage, $"The service URL ({urlSource}) must be an http(s) URL such as {DefaultUrl}; got '{text}'.");
        }

        if (tokenOption is { Length: > 0 })
        {
            return new Connection(url, tokenOption.Trim(), "--token");
        }

        if (context.Variable("GOV_TOKEN") is { } token)
        {
            return new Connection(url, token, "GOV_TOKEN");
        }

        if (url.IsLoopback && FindKeyFile(context.WorkingDirectory) is { } file)
        {
            var key = File.ReadAllText(file).Trim();
            return new Connection(url, key.Length > 0 ? key : null, file);
        }

        return new Connection(url, null, "none");
    }

    /// <summary>The nearest <c>.governance/admin.key</c> from <paramref name="directory"/> upwards, like git finds its folder.</summary>
    public static string? FindKeyFile(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, KeyFile);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The API root, <c>{url}/api/v1/</c> (a URL that already ends in /api/v1 is taken as is).</summary>
    public Uri ApiRoot
    {
        get
        {
            var path = ServiceUrl.AbsolutePath.TrimEnd('/');
            if (!path.EndsWith("/api/v1", StringComparison.Ordinal))
            {
                path += "/api/v1";
            }

            return new UriBuilder(ServiceUrl) { Path = path + "/", Query = "" }.Uri;
        }
    }

    /// <summary>The service URL as a person typed it, for messages.</summary>
    public string Display => ServiceUrl.GetLeftPart(UriPartial.Authority) + ServiceUrl.AbsolutePath.TrimEnd('/');
}
