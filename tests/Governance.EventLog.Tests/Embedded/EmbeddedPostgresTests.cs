using System.Diagnostics;
using System.Runtime.Versioning;
using Governance.EventLog.Embedded;
using Npgsql;

namespace Governance.EventLog.Tests.Embedded;

// PostgreSQL binaries, runuser and Unix file modes: these tests run on Linux.
[UnsupportedOSPlatform("windows")]
public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "governance-embedded-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task a_fresh_cluster_accepts_connections()
    {
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder, Ephemeral = true });

        (await SelectOneAsync(postgres.ConnectionString)).ShouldBe(1);
        postgres.DataDirectory.ShouldBe(_folder);
        postgres.ConnectionString.ShouldContain("Host=127.0.0.1");
        postgres.ConnectionString.ShouldContain($"Port={postgres.Port}");
    }

    [Fact]
    public async Task the_connection_file_holds_a_libpq_uri_with_the_port()
    {
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder, Ephemeral = true });

        var connectionFile = Path.Combine(_folder, "connection");
        File.Exists(connectionFile).ShouldBeTrue();
        var uri = (await File.ReadAllTextAsync(connectionFile)).Trim();
        uri.ShouldStartWith("postgresql://postgres:");
        uri.ShouldEndWith($"@127.0.0.1:{postgres.Port}/governance");
        uri.ShouldContain((await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"))).Trim());
        File.GetUnixFileMode(Path.Combine(_folder, "pg.password")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task an_ephemeral_cluster_removes_its_folder_and_stopping_twice_is_fine()
    {
        var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder, Ephemeral = true });

        await postgres.StopAsync();
        await postgres.StopAsync();
        await postgres.DisposeAsync();

        Directory.Exists(_folder).ShouldBeFalse();
    }

    [Fact]
    public async Task a_second_start_on_the_same_folder_reuses_the_cluster_and_its_data()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };
        await using (var first = await EmbeddedPostgres.StartAsync(options))
        {
            await ExecuteAsync(first.ConnectionString, "create table kept (value int); insert into kept values (42)");
            await first.StopAsync();
        }

        Directory.Exists(Path.Combine(_folder, "pg")).ShouldBeTrue();
        var password = await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"));

        await using var second = await EmbeddedPostgres.StartAsync(options);
        (await ScalarAsync(second.ConnectionString, "select value from kept")).ShouldBe(42);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"))).ShouldBe(password);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "connection"))).ShouldContain($":{second.Port}/");
    }

    [Fact]
    public async Task a_second_start_on_a_folder_in_use_is_refused_and_the_first_keeps_serving()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };
        await using var first = await EmbeddedPostgres.StartAsync(options);
        var postmaster = await File.ReadAllTextAsync(Path.Combine(_folder, "pg", "postmaster.pid"));
        var connection = await File.ReadAllTextAsync(Path.Combine(_folder, "connection"));

        var refused = await Should.ThrowAsync<EmbeddedPostgresInUseException>(() => EmbeddedPostgres.StartAsync(options));

        refused.Message.ShouldContain($"in use by process {Environment.ProcessId} (");
        refused.Message.ShouldContain("Governance__DataDirectory");
        refused.Message.ShouldNotContain(Environment.NewLine);
        (await SelectOneAsync(first.ConnectionString)).ShouldBe(1);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "pg", "postmaster.pid"))).ShouldBe(postmaster);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "connection"))).ShouldBe(connection);
    }

    [Fact]
    public async Task a_folder_locked_by_another_process_is_refused_naming_that_process()
    {
        Directory.CreateDirectory(_folder);
        using var holder = Process.Start(new ProcessStartInfo("flock", [Path.Combine(_folder, "owner.lock"), "sh", "-c", "echo locked; exec sleep 600"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            (await holder.StandardOutput.ReadLineAsync()).ShouldBe("locked");

            var refused = await Should.ThrowAsync<EmbeddedPostgresInUseException>(
                () => EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = _folder }));

            refused.Message.ShouldContain($"in use by process {holder.Id} (flock ");
            Directory.Exists(Path.Combine(_folder, "pg")).ShouldBeFalse();
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task a_server_left_running_by_a_dead_owner_is_taken_over_with_its_data()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };
        await using (var first = await EmbeddedPostgres.StartAsync(options))
        {
            await ExecuteAsync(first.ConnectionString, "create table kept (value int); insert into kept values (7)");
        }

        // What a SIGKILLed owner leaves: its server still running (pg_ctl detaches it), its owner file, no lock.
        var leftover = await StartLeftoverServerAsync();
        await File.WriteAllTextAsync(Path.Combine(_folder, "owner"), $"pid={await DeadPidAsync()}\nstarted=2026-01-01T00:00:00Z\ncommand=dotnet Governance.Api.dll\n");
        (await ScalarAsync(leftover, "select value from kept")).ShouldBe(7);

        await using var replacement = await EmbeddedPostgres.StartAsync(options);

        (await ScalarAsync(replacement.ConnectionString, "select value from kept")).ShouldBe(7);
        (await File.ReadAllTextAsync(Path.Combine(_folder, "owner"))).ShouldContain($"pid={Environment.ProcessId}");
        if (!leftover.Contains($"Port={replacement.Port};", StringComparison.Ordinal))
        {
            await Should.ThrowAsync<NpgsqlException>(() => SelectOneAsync(leftover));
        }
    }

    [Fact]
    public async Task a_stale_postmaster_pid_does_not_block_the_start()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder };
        await using (var first = await EmbeddedPostgres.StartAsync(options))
        {
            await first.StopAsync();
        }

        await File.WriteAllTextAsync(Path.Combine(_folder, "pg", "postmaster.pid"), $"{await DeadPidAsync()}\n{Path.Combine(_folder, "pg")}\n");

        await using var second = await EmbeddedPostgres.StartAsync(options);
        (await SelectOneAsync(second.ConnectionString)).ShouldBe(1);
    }

    [Fact]
    public async Task a_data_folder_behind_a_closed_parent_is_still_reachable_by_the_server()
    {
        // As root the server runs as the postgres OS user, which must be able to enter every parent folder.
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await using var postgres = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = Path.Combine(_folder, "nested", "data"), Ephemeral = true });

        (await SelectOneAsync(postgres.ConnectionString)).ShouldBe(1);
    }

    [Fact]
    public void missing_binaries_give_one_clear_message()
    {
        var error = Should.Throw<EmbeddedPostgresUnavailableException>(
            () => PostgresBinaries.Locate(pathVariable: string.Empty, libRoot: Path.Combine(_folder, "nothing-here")));

        error.Message.ShouldContain("initdb, pg_ctl");
        error.Message.ShouldContain("apt-get install postgresql");
        error.Message.ShouldContain("ConnectionStrings__Governance");
    }

    [Fact]
    public void binaries_are_found_on_path_or_under_usr_lib_postgresql()
    {
        var binaries = PostgresBinaries.Locate();

        Path.GetFileName(binaries.InitDb).ShouldBe("initdb");
        Path.GetFileName(binaries.PgCtl).ShouldBe("pg_ctl");
        File.Exists(binaries.PgCtl).ShouldBeTrue();
    }

    private static async Task<int> SelectOneAsync(string connectionString) => await ScalarAsync(connectionString, "select 1");

    private static async Task<int> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Starts the folder's cluster with pg_ctl behind the library's back, on a port of its own.</summary>
    private async Task<string> StartLeftoverServerAsync()
    {
        var port = FreePort();
        var started = await CommandRunner.Create().RunPostgresAsync(
            PostgresBinaries.Locate().PgCtl,
            [
                "-D", Path.Combine(_folder, "pg"), "-w", "-l", Path.Combine(_folder, "pg.log"),
                "-o", $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", "start",
            ],
            CancellationToken.None);
        started.Succeeded.ShouldBeTrue(started.Describe());
        var password = (await File.ReadAllTextAsync(Path.Combine(_folder, "pg.password"))).Trim();
        return new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Password = password, Database = "postgres", Pooling = false }
            .ConnectionString;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
