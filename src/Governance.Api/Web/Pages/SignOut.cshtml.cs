using Governance.Api.Core.Auth;
using Microsoft.AspNetCore.Mvc;

namespace Governance.Api.Web.Pages;

/// <summary>/sign-out: ends the server-side session (a form, so a link from elsewhere cannot sign a person out).</summary>
public sealed class SignOutModel(SessionStore sessions) : WebPage
{
    /// <summary>Shows the form.</summary>
    public void OnGet()
    {
    }

    /// <summary>Deletes the session and its cookie.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await sessions.SignOutAsync(HttpContext, ct);
        return Redirect("/sign-in");
    }
}
