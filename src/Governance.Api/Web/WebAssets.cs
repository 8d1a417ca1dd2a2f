namespace Governance.Api.Web;

/// <summary>
/// The pages' one stylesheet, served from /web/site.css (the CSP allows styles from the service only). Colours pass
/// WCAG AA on white (4.5:1 or better); the layout stacks on a phone and drops the navigation and forms when printed.
/// </summary>
public static class WebAssets
{
    /// <summary>The stylesheet.</summary>
    public const string Css = """
        :root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b5394; --bad: #a61b1b; --good: #1d6b2f; --bg: #fff; --panel: #f4f6f8; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, textarea:focus, select:focus { outline: 3px solid #f0a500; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1rem; background: #12263a; color: #fff; }
        header.top a { color: #fff; }
        .brand { font-weight: 700; text-decoration: none; font-size: 1.1rem; }
        nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
        .count { display: inline-block; min-width: 1.5em; padding: 0 .4em; border-radius: 1em; background: #fff; color: #12263a; font-weight: 700; text-align: center; }
        .who { margin: 0 0 0 auto; }
        .roles { color: #d9e2ec; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
        footer.foot { max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .9rem; }
        h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.25rem; margin: 1.25rem 0 .5rem; }
        h3 { font-size: 1.05rem; margin: 1rem 0 .25rem; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; background: var(--bg); }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
        .facts dt { font-weight: 600; color: var(--muted); }
        .facts dd { margin: 0; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--panel); }
        .pass { color: var(--good); font-weight: 600; }
        .fail, .overdue { color: var(--bad); font-weight: 600; }
        .status { padding: 0 .4em; border: 1px solid var(--muted); border-radius: 4px; }
        .actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; margin-top: 1rem; }
        form.action, form.card { display: flex; flex-direction: column; gap: .35rem; }
        label { font-weight: 600; }
        input[type=text], input[type=password], input[type=number], textarea, select { font: inherit; padding: .4rem; border: 1px solid #767676; border-radius: 4px; width: 100%; max-width: 40rem; }
        button { font: inherit; align-self: flex-start; padding: .45rem 1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
        button.danger { background: var(--bad); }
        .problem { color: var(--bad); font-weight: 600; border-left: 4px solid var(--bad); padding: .25rem .5rem; background: #fdf1f1; margin: .25rem 0; }
        .done { color: var(--good); font-weight: 600; border-left: 4px solid var(--good); padding: .25rem .5rem; background: #eef7f0; }
        .empty { color: var(--muted); }
        .ago { color: var(--muted); }
        .timeline { padding-left: 1.25rem; }
        form.filter { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .5rem; margin: 1rem 0; }
        form.filter select { width: auto; }
        .pager { display: flex; gap: 1.5rem; margin: 1rem 0; }
        figure { margin: 1rem 0; }
        figure svg { width: 100%; height: auto; max-width: 100%; display: block; }
        figcaption { color: var(--muted); font-size: .9rem; }
        fieldset { display: flex; flex-direction: column; gap: .35rem; border: 1px solid var(--line); border-radius: 4px; padding: .5rem 1rem; }
        legend { font-weight: 600; }
        @media (max-width: 40rem) {
          .facts { grid-template-columns: 1fr; }
          .who { margin: 0; }
          table { display: block; overflow-x: auto; font-size: .9rem; }
          .actions { grid-template-columns: 1fr; }
        }
        @media print {
          header.top nav, form, .skip, footer.foot { display: none; }
          header.top { background: none; color: #000; }
          header.top a { color: #000; }
          .card { break-inside: avoid; border-color: #999; }
          a { color: #000; text-decoration: none; }
        }
        """;

    /// <summary>
    /// The one script, progressive enhancement only: fills the sign-in form's time zone from the browser. Without it the
    /// field stays empty and the pages use UTC until the person types a zone.
    /// </summary>
    public const string TimeZoneScript = """
        document.addEventListener('DOMContentLoaded', function () {
          var field = document.getElementById('tz');
          if (field && !field.value && window.Intl) { field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; }
        });
        """;
}
