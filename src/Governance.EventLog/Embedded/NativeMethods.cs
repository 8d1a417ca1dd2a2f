using System.Runtime.InteropServices;

namespace Governance.EventLog.Embedded;

internal static class NativeMethods
{
    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEffectiveUserId();

    /// <summary>True when this process runs as root, which PostgreSQL refuses to run as.</summary>
    public static bool IsRoot()
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return GetEffectiveUserId() == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        }
    }
}
