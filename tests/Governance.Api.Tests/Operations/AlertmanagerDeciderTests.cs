using Governance.Api.Alerts;
using Governance.Api.Incidents;

namespace Governance.Api.Tests.Operations;

/// <summary>How an Alertmanager alert becomes a governance alert (DESIGN §13), table-driven.</summary>
public sealed class AlertmanagerDeciderTests
{
    private static readonly FireAlert.Validator Rules = new();

    private static AlertmanagerAlert Alert(string status, string? fingerprint = "fp1", string? severity = null, string? model = "m-model",
        string? alertname = "Drift", string? summary = null, string? description = null)
    {
        var labels = new Dictionary<string, string>();
        if (alertname is not null) labels["alertname"] = alertname;
        if (model is not null) labels["model"] = model;
        if (severity is not null) labels["severity"] = severity;
        var annotations = new Dictionary<string, string>();
        if (summary is not null) annotations["summary"] = summary;
        if (description is not null) annotations["description"] = description;
        return new AlertmanagerAlert(status, labels, annotations, fingerprint);
    }

    [Theory]
    [InlineData("critical", Severity.Sev2)]
    [InlineData("CRITICAL", Severity.Sev2)]
    [InlineData("warning", Severity.Sev3)]
    [InlineData("error", Severity.Sev3)]
    [InlineData("info", Severity.Sev4)]
    [InlineData("page", Severity.Sev4)]
    [InlineData(null, Severity.Sev4)]
    [InlineData("SEV1", Severity.Sev1)]
    public void the_severity_label_maps_to_a_governance_severity(string? label, Severity expected) =>
        ReceiveAlertmanagerWebhook.Translate(Alert("firing", severity: label), Rules).ShouldBeOfType<ReceiveAlertmanagerWebhook.FireAsk>()
            .Command.Severity.ShouldBe(expected);

    [Theory]
    [InlineData("PSI high", "long", "PSI high")]
    [InlineData(null, "long", "long")]
    [InlineData(null, null, "Drift")]
    public void the_summary_comes_from_the_summary_annotation_then_the_description_then_the_rule(string? summary, string? description, string expected) =>
        ReceiveAlertmanagerWebhook.Translate(Alert("firing", summary: summary, description: description), Rules).ShouldBeOfType<ReceiveAlertmanagerWebhook.FireAsk>()
            .Command.Summary.ShouldBe(expected);

    [Theory]
    [InlineData("firing", "m-model", "Drift", "fire")]
    [InlineData("resolved", "m-model", "Drift", "resolve")]
    [InlineData("resolved", null, null, "resolve")]
    [InlineData("firing", null, "Drift", "skip")]
    [InlineData("firing", "Not A Slug", "Drift", "skip")]
    [InlineData("firing", "m-model", null, "skip")]
    [InlineData("firing", "m-model", "has spaces in it", "skip")]
    public void each_alert_fires_resolves_or_is_skipped(string status, string? model, string? alertname, string expected)
    {
        var ask = ReceiveAlertmanagerWebhook.Translate(Alert(status, model: model, alertname: alertname), Rules);
        ask.ShouldBeOfType(expected switch
        {
            "fire" => typeof(ReceiveAlertmanagerWebhook.FireAsk),
            "resolve" => typeof(ReceiveAlertmanagerWebhook.ResolveAsk),
            _ => typeof(ReceiveAlertmanagerWebhook.SkipAsk),
        });
        ask.DedupKey.ShouldBe("alertmanager:fp1");
    }

    [Fact]
    public void without_a_fingerprint_the_same_label_set_gets_the_same_dedup_key()
    {
        var a = ReceiveAlertmanagerWebhook.Translate(Alert("firing", fingerprint: null), Rules);
        var b = ReceiveAlertmanagerWebhook.Translate(Alert("resolved", fingerprint: ""), Rules);
        var other = ReceiveAlertmanagerWebhook.Translate(Alert("firing", fingerprint: null, severity: "info"), Rules);
        a.DedupKey.ShouldBe(b.DedupKey);
        a.DedupKey.ShouldNotBe(other.DedupKey);
    }
}
