# The contract with lib/ssm: every operation and guard path of the real script, run here, is kept in
# test/fixtures/host-envelopes.json, which test/host/envelope-contract.test.ts reads through
# lib/ssm's own envelope reader. Here: what the script prints now must equal the committed fixture
# (a change to the script that alters an envelope fails until the fixture is made again, and then
# the TypeScript side judges the new envelopes); there: the fixture must have been made from the
# script as it is now. `npm run fixtures:host` rewrites the fixture (JANITOR_UPDATE_HOST_FIXTURES=1).
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
  $script:FixturePath = Join-Path $RepoRoot 'test/fixtures/host-envelopes.json'
  $script:Updating = $env:JANITOR_UPDATE_HOST_FIXTURES -eq '1'
  $script:Produced = [Collections.Generic.List[object]]::new()
  $script:Committed = @{}
  $script:CommittedSha = ''
  if (-not $Updating -and (Test-Path -LiteralPath $FixturePath)) {
    $fixture = Get-Content -LiteralPath $FixturePath -Raw | ConvertFrom-Json -DateKind String
    $script:CommittedSha = [string]$fixture.scriptSha256
    foreach ($case in @($fixture.cases)) { $Committed[$case.name] = $case }
  }

  function Get-OperateScriptSha256 {
    # The script as the agent runs it (runCommand lines joined by "`n"), UTF-8: the vitest side
    # hashes the same text the same way.
    $bytes = [Text.Encoding]::UTF8.GetBytes((Get-OperateScriptText))
    return ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes))).ToLowerInvariant()
  }

  function ConvertTo-FixtureText([string]$Text, [string]$Root) {
    # Per-run values become fixed text: the temporary Windows directory, the host's clock and offset.
    $Text = $Text.Replace($Root, 'FAKE-ROOT')
    $Text = [regex]::Replace($Text, '"hostTimeUtc":"[^"]*"', '"hostTimeUtc":"2026-11-21T19:32:10Z"')
    return [regex]::Replace($Text, '"utcOffsetMinutes":-?[0-9]+', '"utcOffsetMinutes":60')
  }

  # Real quser data rows (en-US-quserobject-four-users.txt, zh-CN-xrntkk-tsclient.txt), repeated to
  # exceed the envelope's limits.
  $script:row = (Get-FixtureLines 'quser/en-US-quserobject-four-users.txt').Split("`n")[2].TrimEnd("`r")
  $script:chineseRow = (Get-FixtureLines 'quser/zh-CN-xrntkk-tsclient.txt').Split("`n")[0].TrimEnd("`r")
}

Describe 'the envelopes lib/ssm reads' {
  BeforeEach {
    $script:root = New-FakeWindows
    [SessionJanitorWtsFake]::SetSession(1, 'CONTOSO', 'admin', 'Console')
    [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'alice', 'RDP-Tcp#0')
    [SessionJanitorWtsFake]::ConsoleSessionId = 1
    $script:smbSessions = @(
      New-SmbSessionObject 8813272891441 '192.168.101.13' 'CONTOSO\alice' 2
      New-SmbSessionObject 8813272891449 '192.168.101.20' 'CONTOSO\bob' 1
    )
    $script:openFiles = @(
      New-SmbOpenFileObject 8093801065355 8813272891441 'D:\Shares\Finance\Q3 Report.xlsx' 'CONTOSO\alice'
      New-SmbOpenFileObject 8093801065361 8813272891449 'D:\Shares\Sales\O''Brien Campaign.pptx' 'CONTOSO\bob' '192.168.101.20'
    )
    Mock Get-SmbSession { $smbSessions }
    Mock Close-SmbSession {}
    Mock Get-SmbOpenFile { $openFiles }
    Mock Close-SmbOpenFile {}
    # Shells rebuilt from a real listing (wsman-shell/en-US-psmag-pstip-managing-remote-sessions.txt),
    # and a Disconnected one; SSM's own process chain below the script.
    $script:winrm = @{ shells = @(
        Get-ShellFixture 'wsman-shell/en-US-psmag-pstip-managing-remote-sessions.txt'
        New-ShellElement (New-ShellFields '3F2504E0-4F89-11D3-9A0C-0305E82C3301' 'CONTOSO\alice' 'Disconnected' '2' '6120')
      )
    }
    Mock Get-WSManInstance { $winrm.shells }
    Mock Remove-WSManInstance {
      $id = [string]$SelectorSet['ShellId']
      $winrm.shells = @($winrm.shells | Where-Object { $_.ShellId -ne $id })
    }
    $script:processes = @(New-ProcessObject $PID 1000; New-ProcessObject 1000 800; New-ProcessObject 800 0)
    Mock Get-CimInstance { $processes }
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  It '<name>' -ForEach @(
    @{ name = 'list-sessions'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt' } }
    @{ name = 'list-sessions-de-DE'; culture = 'de-DE'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/de-DE-windows-for-kids-1.txt' } }
    @{ name = 'list-sessions-non-ascii'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/zh-CN-xrntkk-tsclient.txt' } }
    @{ name = 'list-sessions-no-user'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stderr 'quser/en-index-no-user-winrm.txt' -ExitCode 1 } }
    @{ name = 'list-sessions-access-denied'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stderr 'quser/en-najki78-access-denied.txt' -ExitCode 1 } }
    @{ name = 'list-sessions-quser-missing'; parameters = @{ Operation = 'ListSessions' }; setup = { Remove-FakeTool $root quser.exe } }
    @{ name = 'list-sessions-trimmed'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -StdoutText ((@(1..400 | ForEach-Object { $row }) -join "`n") + "`n") } }
    @{ name = 'list-sessions-trimmed-non-ascii'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -StdoutText ((@(1..300 | ForEach-Object { $chineseRow }) -join "`n") + "`n") } }
    @{ name = 'disconnect'; parameters = @{ Operation = 'DisconnectSession'; SessionId = '2'; ExpectedUser = 'alice' } }
    @{ name = 'logoff'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'CONTOSO\alice' } }
    @{ name = 'notify'; parameters = @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Please save your work'; WarnSeconds = '300' } }
    @{ name = 'logoff-session-not-found'; parameters = @{ Operation = 'LogoffSession'; SessionId = '7'; ExpectedUser = 'alice' } }
    @{ name = 'logoff-user-mismatch'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'bob' } }
    @{ name = 'disconnect-console'; parameters = @{ Operation = 'DisconnectSession'; SessionId = '1'; ExpectedUser = 'admin' } }
    @{ name = 'logoff-console'; parameters = @{ Operation = 'LogoffSession'; SessionId = '1'; ExpectedUser = 'admin' } }
    @{ name = 'logoff-console-allowed'; parameters = @{ Operation = 'LogoffSession'; SessionId = '1'; ExpectedUser = 'admin'; AllowConsole = 'true' } }
    @{ name = 'logoff-access-denied'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }; setup = { Set-FakeTool -Root $root -Name logoff.exe -Stderr 'quser/en-najki78-access-denied.txt' -ExitCode 1 } }
    @{ name = 'notify-msg-missing'; parameters = @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Hello' }; setup = { Remove-FakeTool $root msg.exe } }
    @{ name = 'list-sessions-disconnect-times'; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt'; [SessionJanitorWtsFake]::SetSession(3, 'CONTOSO', 'carol', ''); [SessionJanitorWtsFake]::SetInfo(3, 4, [DateTime]::new(2026, 11, 21, 16, 16, 0, [DateTimeKind]::Utc), [DateTime]::new(2026, 11, 21, 17, 0, 0, [DateTimeKind]::Utc), [DateTime]::new(2026, 11, 21, 18, 30, 15, [DateTimeKind]::Utc)) } }
    # Guards against a delayed command; times Windows holds none of keep the messages the same on every machine.
    @{ name = 'logoff-logon-mismatch'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice'; ExpectedLogonTime = '2026-11-21T18:16' }; setup = { [SessionJanitorWtsFake]::SetInfo(2, 0, [DateTime]::MinValue, [DateTime]::UtcNow, [DateTime]::MinValue) } }
    @{ name = 'logoff-state-mismatch'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice'; ExpectedState = 'disconnected' } }
    @{ name = 'disconnect-not-idle'; parameters = @{ Operation = 'DisconnectSession'; SessionId = '2'; ExpectedUser = 'alice'; ExpectedState = 'active'; MinIdleMinutes = '30' }; setup = { [SessionJanitorWtsFake]::SetInfo(2, 0, [DateTime]::UtcNow, [DateTime]::MinValue, [DateTime]::MinValue) } }
    @{ name = 'logoff-disconnected-too-short'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice'; MinDisconnectedMinutes = '15' }; setup = { [SessionJanitorWtsFake]::SetInfo(2, 4, [DateTime]::UtcNow, [DateTime]::UtcNow, [DateTime]::MinValue) } }
    @{ name = 'logoff-not-confirmed'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }; setup = { [SessionJanitorWtsFake]::Hung = $true; Mock Start-Sleep {} } }
    @{ name = 'logoff-bad-session-id'; parameters = @{ Operation = 'LogoffSession'; SessionId = '2;logoff 3'; ExpectedUser = 'alice' } }
    @{ name = 'list-smb-sessions'; parameters = @{ Operation = 'ListSmbSessions' } }
    @{ name = 'list-smb-sessions-none'; parameters = @{ Operation = 'ListSmbSessions' }; setup = { Mock Get-SmbSession {} } }
    @{ name = 'list-smb-sessions-failed'; parameters = @{ Operation = 'ListSmbSessions' }; setup = { Mock Get-SmbSession { throw [InvalidOperationException]::new('The service has not been started.') } } }
    @{ name = 'close-smb-session'; parameters = @{ Operation = 'CloseSmbSession'; UserName = 'alice' } }
    @{ name = 'close-smb-session-not-found'; parameters = @{ Operation = 'CloseSmbSession'; UserName = 'FABRIKAM\alice' } }
    @{ name = 'close-smb-session-everyone'; parameters = @{ Operation = 'CloseSmbSession' } }
    @{ name = 'list-open-files'; parameters = @{ Operation = 'ListOpenFiles' } }
    @{ name = 'list-open-files-by-path'; parameters = @{ Operation = 'ListOpenFiles'; PathFilter = 'd:\shares\finance\q3 report.xlsx' } }
    @{ name = 'list-open-files-paged'; parameters = @{ Operation = 'ListOpenFiles'; AfterFileId = '8093801065355' }; setup = { Mock Get-SmbOpenFile { for ($i = 1; $i -le 150; $i++) { New-SmbOpenFileObject (8093801065355 + $i) 8813272891441 ('D:\Shares\Archive\Scans\2026\Scan ' + $i + '.pdf') 'CONTOSO\alice' } } } }
    @{ name = 'list-open-files-bad-after'; parameters = @{ Operation = 'ListOpenFiles'; AfterFileId = '-1' } }
    @{ name = 'list-open-files-cmdlet-missing'; parameters = @{ Operation = 'ListOpenFiles' }; setup = { Mock Get-SmbOpenFile { throw [Management.Automation.CommandNotFoundException]::new('The term ''Get-SmbOpenFile'' is not recognized.') } } }
    @{ name = 'close-file'; parameters = @{ Operation = 'CloseOpenFile'; FileId = '8093801065355'; ExpectedPath = 'd:\shares\finance\q3 report.xlsx' }; setup = { Mock Get-SmbOpenFile { $openFiles[0] } -ParameterFilter { $FileId -eq 8093801065355 } } }
    @{ name = 'close-file-not-found'; parameters = @{ Operation = 'CloseOpenFile'; FileId = '42'; ExpectedPath = 'D:\Shares\Finance\Q3 Report.xlsx' }; setup = { Mock Get-SmbOpenFile { Write-Error -ErrorRecord (New-SmbNotFoundError 'MSFT_SmbOpenFile' 'FileId' '42') } -ParameterFilter { $FileId -eq 42 } } }
    @{ name = 'close-file-path-mismatch'; parameters = @{ Operation = 'CloseOpenFile'; FileId = '8093801065355'; ExpectedPath = 'D:\Shares\Finance\Q4 Report.xlsx' }; setup = { Mock Get-SmbOpenFile { $openFiles[0] } -ParameterFilter { $FileId -eq 8093801065355 } } }
    @{ name = 'close-file-bad-file-id'; parameters = @{ Operation = 'CloseOpenFile'; FileId = '-1'; ExpectedPath = 'D:\Shares\Finance\Q3 Report.xlsx' } }
    @{ name = 'list-shells'; parameters = @{ Operation = 'ListShells' } }
    @{ name = 'list-shells-winrm-2'; parameters = @{ Operation = 'ListShells' }; setup = { $winrm.shells = Get-ShellFixture 'wsman-shell/en-US-msdocs-winrm-enumerate-shell.txt' } }
    @{ name = 'list-shells-none'; parameters = @{ Operation = 'ListShells' }; setup = { $winrm.shells = @() } }
    @{ name = 'list-shells-winrm-down'; parameters = @{ Operation = 'ListShells' }; setup = { Mock Get-WSManInstance { throw (New-WSManFault '2150858770' 'The client cannot connect to the destination specified in the request.').Exception } } }
    @{ name = 'end-shell'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; ExpectedOwner = 'alice' } }
    @{ name = 'end-shell-ungraceful'; parameters = @{ Operation = 'EndShell'; ShellId = '75a89e0e-e6e5-477d-ad0f-dad6706cc236'; ExpectedOwner = 'MYDOMAIN\user1' }; setup = { $fields = New-ShellFields '75A89E0E-E6E5-477D-AD0F-DAD6706CC236' 'Mydomain\user1' 'Connected' '1' '5800'; $winrm.shells = @(New-ShellElement $fields) } }
    @{ name = 'end-shell-not-found'; parameters = @{ Operation = 'EndShell'; ShellId = '00000000-0000-0000-0000-000000000001'; ExpectedOwner = 'alice' } }
    @{ name = 'end-shell-owner-mismatch'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; ExpectedOwner = 'bob' } }
    @{ name = 'end-shell-own-shell'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; ExpectedOwner = 'alice' }; setup = { $script:processes = @(New-ProcessObject $PID 6120; New-ProcessObject 6120 0) } }
    @{ name = 'end-shell-no-process-id-in-shell'; parameters = @{ Operation = 'EndShell'; ShellId = '0A6E6A01-8AB2-4037-86CC-BFC826A1244E'; ExpectedOwner = 'FABRIKAM\myAccount' }; setup = { $winrm.shells = Get-ShellFixture 'wsman-shell/en-US-msdocs-winrm-enumerate-shell.txt'; $script:processes = @(New-ProcessObject $PID 4242 'powershell.exe'; New-ProcessObject 4242 900 'wsmprovhost.exe') } }
    @{ name = 'end-shell-no-process-id'; parameters = @{ Operation = 'EndShell'; ShellId = '0A6E6A01-8AB2-4037-86CC-BFC826A1244E'; ExpectedOwner = 'FABRIKAM\myAccount' }; setup = { $winrm.shells = Get-ShellFixture 'wsman-shell/en-US-msdocs-winrm-enumerate-shell.txt' } }
    @{ name = 'end-shell-gone-meanwhile'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; ExpectedOwner = 'alice' }; setup = { Mock Remove-WSManInstance { Write-Error -ErrorRecord (New-WSManFault '2150858843' 'The request for the Windows Remote Shell with ShellId 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed because the shell was not found on the server.') } } }
    @{ name = 'end-shell-not-confirmed'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; ExpectedOwner = 'alice' }; setup = { Mock Remove-WSManInstance {}; Mock Start-Sleep {} } }
    @{ name = 'end-shell-state-mismatch'; parameters = @{ Operation = 'EndShell'; ShellId = '75A89E0E-E6E5-477D-AD0F-DAD6706CC236'; ExpectedOwner = 'user1'; ExpectedShellState = 'Disconnected' } }
    @{ name = 'end-shell-not-idle'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; ExpectedOwner = 'alice'; ExpectedShellState = 'Disconnected'; MinInactiveMinutes = '30' } }
    @{ name = 'end-shell-bad-shell-id'; parameters = @{ Operation = 'EndShell'; ShellId = '3F2504E0;logoff 3'; ExpectedOwner = 'alice' } }
    # An agent older than 3.3.2746.0 sets no SSM_* variable, whatever the service sent.
    @{ name = 'operation-missing'; parameters = @{ Operation = '' } }
    # WDAC or AppLocker: the script runs in ConstrainedLanguage mode (a child pwsh).
    @{ name = 'list-sessions-constrained-language'; constrained = $true; parameters = @{ Operation = 'ListSessions' }; setup = { Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt' } }
    @{ name = 'logoff-constrained-language'; constrained = $true; parameters = @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' } }
  ) {
    # Keys a case leaves out are no variables: read them from the case itself.
    if ($_.ContainsKey('setup')) { . $_['setup'] }
    $culture = if ($_.ContainsKey('culture')) { $_['culture'] } else { 'en-US' }
    $run = if ($_.ContainsKey('constrained')) { Invoke-OperateScriptConstrained $parameters -Culture $culture } else { Invoke-OperateScript $parameters -Culture $culture }
    $case = [ordered]@{
      name = $name
      parameters = [ordered]@{}
      culture = $culture
      exitCode = $run.ExitCode
      stdout = ConvertTo-FixtureText $run.Stdout $root
      stderr = ConvertTo-FixtureText $run.Stderr $root
    }
    foreach ($key in @($parameters.Keys | Sort-Object)) { $case.parameters[$key] = $parameters[$key] }
    $Produced.Add($case)
    if ($Updating) { return }
    $Committed.ContainsKey($name) | Should -BeTrue -Because 'every case is in test/fixtures/host-envelopes.json (npm run fixtures:host)'
    $committedCase = $Committed[$name]
    $committedCase.exitCode | Should -Be $case.exitCode -Because 'the script exits as the fixture says (npm run fixtures:host if the change is meant)'
    $committedCase.stdout | Should -BeExactly $case.stdout -Because 'the script prints the envelope the fixture holds (npm run fixtures:host if the change is meant)'
    $committedCase.stderr | Should -BeExactly $case.stderr -Because 'the script prints the stderr the fixture holds (npm run fixtures:host if the change is meant)'
  }

  It 'holds no case the script is no longer run for, and was made from this script' {
    if ($Updating) { return }
    @($Committed.Keys | Sort-Object) | Should -Be @($Produced | ForEach-Object { $_.name } | Sort-Object)
    $CommittedSha | Should -BeExactly (Get-OperateScriptSha256) -Because 'the fixture is made from the script as it is (npm run fixtures:host)'
  }

  AfterAll {
    if (-not $Updating) { return }
    $fixture = [ordered]@{
      comment = 'Made by test/host/contract.Tests.ps1 (npm run fixtures:host) from the real script under pwsh; read by test/host/envelope-contract.test.ts. Do not edit by hand.'
      script = 'cdk/document/session-janitor-operate.json'
      scriptSha256 = Get-OperateScriptSha256
      cases = @($Produced | Sort-Object { $_.name })
    }
    [IO.File]::WriteAllText($FixturePath, (ConvertTo-Json -InputObject $fixture -Depth 5) + "`n", [Text.UTF8Encoding]::new($false))
  }
}
