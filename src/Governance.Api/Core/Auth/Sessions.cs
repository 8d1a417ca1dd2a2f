using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Governance.Api.Core.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;

namespace Governance.Api.Core.Auth;

/// <summary>Where a browser session works and what its cookie is called.</summary>
public sealed class SessionAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The cookie holding the session id (never a key).</summary>
    public string CookieName { get; set; } = "governance_session";

    /// <summary>Where a browser that needs to sign in is sent.</summary>
    public string SignInPath { get; set; } = "/docs/sign-in";

    /// <summary>Where a browser is sent to sign in from this request (another surface can have its own sign-in page); <see cref="SignInPath"/> when null.</summary>
    public Func<HttpRequest, string?>? SignInPathFor { get; set; }

    /// <summary>
    /// The requests a session cookie may authenticate. By default only reading the documentation pages: a command always
    /// needs the Authorization header, so a forged cross-site request cannot act with a person's cookie. A surface that
    /// accepts forms widens this and checks antiforgery on every form.
    /// </summary>
    public Func<HttpRequest, bool> Opens { get; set; } = ReadingDocsPages;

    /// <summary>GET or HEAD under /docs.</summary>
    public static bool ReadingDocsPages(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Path.StartsWithSegments("/docs", StringComparison.Ordinal);
}

/// <summary>
/// Server-side browser sessions: the cookie carries 32 random bytes, the database their SHA-256 with the key the person
/// signed in with and the roles they had. A session ends when it expires, when that key is revoked, when the principal's
/// roles change, or at sign-out — checked on every request, so on every node at once.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource db, IClock clock, IOptionsMonitor<SessionAuthenticationOptions> options) : IExpiringRecords
{
    /// <summary>How long a session lasts from sign-in.</summary>
    public static readonly Duration Lifetime = Duration.FromHours(12);

    private SessionAuthenticationOptions Options => options.Get(AuthExtensions.SessionScheme);

    /// <summary>Opens a session for the holder of a live key and sets its cookie.</summary>
    public async Task SignInAsync(HttpContext http, KeyHolder holder, CancellationToken ct)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetCurrentInstant();
        await using var cmd = db.CreateCommand(
            "INSERT INTO governance.sessions (id_hash, principal, key_id, roles, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
        cmd.Parameters.Add(new() { Value = Hash(id) });
        cmd.Parameters.Add(new() { Value = holder.Name });
        cmd.Parameters.Add(new() { Value = holder.KeyId });
        cmd.Parameters.Add(new() { Value = holder.Roles.ToArray() });
        cmd.Parameters.Add(new() { Value = now.ToDateTimeUtc() });
        cmd.Parameters.Add(new() { Value = (now + Lifetime).ToDateTimeUtc() });
        await cmd.ExecuteNonQueryAsync(ct);

        http.Response.Cookies.Append(Options.CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            MaxAge = Lifetime.ToTimeSpan(),
            IsEssential = true,
        });
    }

    /// <summary>Ends the request's session, if any, and clears its cookie.</summary>
    public async Task SignOutAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.Cookies[Options.CookieName] is { Length: > 0 } id)
        {
            await using var cmd = db.CreateCommand("DELETE FROM governance.sessions WHERE id_hash = $1");
            cmd.Parameters.Add(new() { Value = Hash(id) });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        http.Response.Cookies.Delete(Options.CookieName, new CookieOptions { Path = "/", Secure = http.Request.IsHttps, SameSite = SameSiteMode.Strict, HttpOnly = true });
    }

    /// <summary>Who a live session stands for now; null for an unknown, expired or dead session.</summary>
    public async Task<KeyHolder?> FindAsync(string id, CancellationToken ct)
    {
        if (id.Length is 0 or > 100)
        {
            return null;
        }

        await using var cmd = db.CreateCommand(
            "SELECT p.name, p.roles, s.key_id FROM governance.sessions s " +
            "JOIN governance.principal_keys k ON k.key_id = s.key_id AND k.principal = s.principal AND k.revoked_at IS NULL " +
            "JOIN governance.principals p ON p.name = s.principal AND p.roles @> s.roles AND p.roles <@ s.roles " +
            "WHERE s.id_hash = $1 AND s.expires_at > $2");
        cmd.Parameters.Add(new() { Value = Hash(id) });
        cmd.Parameters.Add(new() { Value = clock.GetCurrentInstant().ToDateTimeUtc() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new KeyHolder(reader.GetString(0), reader.GetFieldValue<string[]>(1), reader.GetString(2))
            : null;
    }

    /// <summary>Removes sessions that can no longer authenticate: expired, or opened with a key since revoked.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "DELETE FROM governance.sessions s WHERE s.expires_at <= $1 OR EXISTS (" +
            "SELECT 1 FROM governance.principal_keys k WHERE k.key_id = s.key_id AND k.revoked_at IS NOT NULL)");
        cmd.Parameters.Add(new() { Value = clock.GetCurrentInstant().ToDateTimeUtc() });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static byte[] Hash(string id) => SHA256.HashData(Encoding.UTF8.GetBytes(id));
}

/// <summary>Authenticates a browser by its session cookie, for the requests <see cref="SessionAuthenticationOptions.Opens"/> allows.</summary>
public sealed class SessionAuthenticationHandler(
    IOptionsMonitor<SessionAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    SessionStore sessions, IProblemDetailsService problems)
    : AuthenticationHandler<SessionAuthenticationOptions>(options, logger, encoder)
{
    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Options.Opens(Request) || Request.Cookies[Options.CookieName] is not { Length: > 0 } id)
        {
            return AuthenticateResult.NoResult();
        }

        var holder = await sessions.FindAsync(id, Context.RequestAborted);
        return holder is null
            ? AuthenticateResult.Fail("The session has ended; sign in again.")
            : AuthenticateResult.Success(new AuthenticationTicket(holder.ToClaimsPrincipal(Scheme.Name), Scheme.Name));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            Response.Redirect((Options.SignInPathFor?.Invoke(Request) ?? Options.SignInPath) + "?returnUrl=" + Uri.EscapeDataString(Request.Path + Request.QueryString));
            return;
        }

        await AuthProblems.WriteUnauthorizedAsync(Context, problems, (await HandleAuthenticateOnceSafeAsync()).Failure?.Message);
    }

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthProblems.WriteForbiddenAsync(Context, problems);
}
