# The guards against a delayed command (issue 11.2) and the read-back after acting (issue 11.6), run
# by the real script against the WTS stand-in: WTSSessionInfo's logon, state, last input and
# disconnect times, and what Windows shows once tsdiscon or logoff has run.
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')

  function Get-LocalMinute([DateTime]$Utc) {
    # What quser prints and the service sends as ExpectedLogonTime: host-local, to the minute.
    return $Utc.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm", [Globalization.CultureInfo]::InvariantCulture)
  }
}

Describe 'the session guards of a delayed command' {
  BeforeEach {
    $script:root = New-FakeWindows
    $script:now = [DateTime]::UtcNow
    # Session 20: CORP\zoe, logged on at 18:16 (three hours ago here), disconnected 40 minutes ago
    # after 78 minutes without input. Session 3: CORP\max, active, idle 30 minutes.
    $script:zoeLogon = $now.AddHours(-3)
    [SessionJanitorWtsFake]::SetSession(20, 'CORP', 'zoe', '')
    [SessionJanitorWtsFake]::SetInfo(20, 4, $zoeLogon, $now.AddMinutes(-78), $now.AddMinutes(-40))
    $script:maxLogon = $now.AddHours(-1)
    [SessionJanitorWtsFake]::SetSession(3, 'CORP', 'max', 'RDP-Tcp#7')
    [SessionJanitorWtsFake]::SetInfo(3, 0, $maxLogon, $now.AddMinutes(-30), [DateTime]::MinValue)
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  It 'logs off a disconnected session that is still the same logon, disconnected long enough' {
    $run = Invoke-OperateScript @{
      Operation = 'LogoffSession'; SessionId = '20'; ExpectedUser = 'CORP\zoe'
      ExpectedLogonTime = (Get-LocalMinute $zoeLogon); ExpectedState = 'disconnected'; MinDisconnectedMinutes = '15'
    }
    $run.ExitCode | Should -Be 0
    $run.Envelope.guard | Should -BeNullOrEmpty
    (Get-FakeToolCalls $root logoff.exe)[0] | Should -Be @('20')
  }

  It 'refuses a new logon into the same session ID with logon-mismatch (26): the zoe scenario' {
    # zoe logged off and on again while the command waited for delivery; Windows gave her session 20.
    [SessionJanitorWtsFake]::SetSession(20, 'CORP', 'zoe', 'RDP-Tcp#12')
    [SessionJanitorWtsFake]::SetInfo(20, 0, $now.AddMinutes(-2), $now, [DateTime]::MinValue)
    $run = Invoke-OperateScript @{
      Operation = 'LogoffSession'; SessionId = '20'; ExpectedUser = 'CORP\zoe'
      ExpectedLogonTime = (Get-LocalMinute $zoeLogon); ExpectedState = 'disconnected'; MinDisconnectedMinutes = '15'
    }
    $run.ExitCode | Should -Be 26
    $run.Envelope.exitCode | Should -Be 26
    $run.Envelope.guard.code | Should -BeExactly 'logon-mismatch'
    $run.Envelope.guard.message | Should -BeExactly ('Session 20 is a logon of ' + (Get-LocalMinute $now.AddMinutes(-2)) + ', not the expected one of ' + (Get-LocalMinute $zoeLogon) + '.')
    $run.Envelope.readBack | Should -BeNullOrEmpty
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'refuses a session that is no longer in the planned state with state-mismatch (27)' {
    # zoe reconnected: the same logon, active again.
    [SessionJanitorWtsFake]::SetInfo(20, 0, $zoeLogon, $now, $now.AddMinutes(-40))
    $run = Invoke-OperateScript @{
      Operation = 'LogoffSession'; SessionId = '20'; ExpectedUser = 'zoe'
      ExpectedLogonTime = (Get-LocalMinute $zoeLogon); ExpectedState = 'disconnected'
    }
    $run.ExitCode | Should -Be 27
    $run.Envelope.guard.code | Should -BeExactly 'state-mismatch'
    $run.Envelope.guard.message | Should -BeExactly 'Session 20 is active, not disconnected.'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'refuses to disconnect a session that has had input since with not-idle (28)' {
    [SessionJanitorWtsFake]::SetInfo(3, 0, $maxLogon, $now.AddMinutes(-2), [DateTime]::MinValue)
    $run = Invoke-OperateScript @{
      Operation = 'DisconnectSession'; SessionId = '3'; ExpectedUser = 'max'
      ExpectedLogonTime = (Get-LocalMinute $maxLogon); ExpectedState = 'active'; MinIdleMinutes = '5'
    }
    $run.ExitCode | Should -Be 28
    $run.Envelope.guard.code | Should -BeExactly 'not-idle'
    $run.Envelope.guard.message | Should -BeExactly 'Session 3 has been idle 2 min, less than 5 min.'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'refuses with not-idle (28) when Windows holds no last input time: unknown is never idle enough' {
    [SessionJanitorWtsFake]::SetInfo(3, 0, $maxLogon, [DateTime]::MinValue, [DateTime]::MinValue)
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '3'; ExpectedUser = 'max'; MinIdleMinutes = '0' }
    $run.ExitCode | Should -Be 28
    $run.Envelope.guard.message | Should -BeExactly 'Session 3 has been idle an unknown time, less than 0 min.'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'disconnects an active session idle long enough, the same logon' {
    $run = Invoke-OperateScript @{
      Operation = 'DisconnectSession'; SessionId = '3'; ExpectedUser = 'max'
      ExpectedLogonTime = (Get-LocalMinute $maxLogon); ExpectedState = 'active'; MinIdleMinutes = '30'
    }
    $run.ExitCode | Should -Be 0
    (Get-FakeToolCalls $root tsdiscon.exe)[0] | Should -Be @('3')
  }

  It 'refuses a logoff of a session disconnected too short a time with disconnected-too-short (29)' {
    # Idle 78 minutes, but disconnected only 40: the disconnect is what counts.
    $run = Invoke-OperateScript @{
      Operation = 'LogoffSession'; SessionId = '20'; ExpectedUser = 'zoe'; ExpectedState = 'disconnected'; MinDisconnectedMinutes = '60'
    }
    $run.ExitCode | Should -Be 29
    $run.Envelope.guard.code | Should -BeExactly 'disconnected-too-short'
    $run.Envelope.guard.message | Should -BeExactly 'Session 20 has been disconnected 40 min, less than 60 min.'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'refuses with disconnected-too-short (29) when Windows holds no disconnect time' {
    [SessionJanitorWtsFake]::SetInfo(20, 4, $zoeLogon, $now.AddMinutes(-78), [DateTime]::MinValue)
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '20'; ExpectedUser = 'zoe'; MinDisconnectedMinutes = '15' }
    $run.ExitCode | Should -Be 29
    $run.Envelope.guard.message | Should -BeExactly 'Session 20 has been disconnected an unknown time, less than 15 min.'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'checks the owner first: a stranger''s session is user-mismatch (21) whatever its times' {
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '20'; ExpectedUser = 'max'; ExpectedLogonTime = (Get-LocalMinute $zoeLogon) }
    $run.ExitCode | Should -Be 21
    $run.Wts | Should -Not -Contain 'Info 20'
  }

  It 'refuses a notification to a new logon (26) and shows nothing' {
    $run = Invoke-OperateScript @{
      Operation = 'NotifySession'; SessionId = '3'; ExpectedUser = 'max'; Message = 'Hello'
      ExpectedLogonTime = (Get-LocalMinute $maxLogon.AddMinutes(-5))
    }
    $run.ExitCode | Should -Be 26
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'asks WTS nothing about times for a notification without ExpectedLogonTime' {
    $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '3'; ExpectedUser = 'max'; Message = 'Hello' }
    $run.ExitCode | Should -Be 0
    $run.Wts | Should -Not -Contain 'Info 3'
    $run.Envelope.readBack | Should -BeNullOrEmpty
  }

  It '<operation> refuses <name> <value> before any WTS question (exit 2)' -ForEach @(
    @{ operation = 'LogoffSession'; name = 'ExpectedLogonTime'; value = '2026-11-21 18:16' }
    @{ operation = 'LogoffSession'; name = 'ExpectedLogonTime'; value = '2026-11-21T18:16:00' }
    @{ operation = 'LogoffSession'; name = 'ExpectedLogonTime'; value = "2026-11-21T18:16`n" }
    @{ operation = 'LogoffSession'; name = 'ExpectedState'; value = 'Active' }
    @{ operation = 'LogoffSession'; name = 'ExpectedState'; value = 'connected' }
    @{ operation = 'LogoffSession'; name = 'MinIdleMinutes'; value = '-1' }
    @{ operation = 'DisconnectSession'; name = 'MinIdleMinutes'; value = '1000000' }
    @{ operation = 'LogoffSession'; name = 'MinDisconnectedMinutes'; value = '015' }
    @{ operation = 'LogoffSession'; name = 'MinDisconnectedMinutes'; value = '15 ' }
  ) {
    if ($value -notmatch '\n') { Test-DocumentPattern $name $value | Should -BeFalse -Because 'the document refuses it' }
    $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '20'; ExpectedUser = 'zoe'; $name = $value }
    $run.ExitCode | Should -Be 2
    $run.Envelope.stderr | Should -Match $name
    $run.Wts | Should -BeNullOrEmpty
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }
}

Describe 'the disconnect times ListSessions reports' {
  BeforeEach {
    $script:root = New-FakeWindows
    Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt'
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  It 'gives each disconnected session''s WTS DisconnectTime (null where Windows holds none), in UTC' {
    $now = [DateTime]::UtcNow
    [SessionJanitorWtsFake]::SetSession(2, 'CORP', 'active.user', 'RDP-Tcp#3')
    [SessionJanitorWtsFake]::SetSession(5, 'CORP', 'left', '')
    [SessionJanitorWtsFake]::SetInfo(5, 4, $now.AddHours(-5), $now.AddMinutes(-78), [DateTime]::new(2026, 11, 21, 18, 30, 15, [DateTimeKind]::Utc))
    [SessionJanitorWtsFake]::SetSession(7, 'CORP', 'unknown', '')
    [SessionJanitorWtsFake]::SetInfo(7, 4, $now.AddHours(-5), $now.AddMinutes(-78), [DateTime]::MinValue)
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.stdout | Should -BeExactly (Get-FixtureLines 'quser/en-US-quserobject-four-users.txt')
    $run.EnvelopeText | Should -Match ([regex]::Escape('"disconnectTimes":[{"sessionId":5,"disconnectTime":"2026-11-21T18:30:15Z"},{"sessionId":7,"disconnectTime":null}]'))
  }

  It 'lists the sessions all the same when WTS cannot be asked: no disconnect times' {
    [SessionJanitorWtsFake]::EnumerationFails = $true
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.exitCode | Should -Be 0
    $run.Envelope.stdout | Should -BeExactly (Get-FixtureLines 'quser/en-US-quserobject-four-users.txt')
    $run.EnvelopeText | Should -Match ([regex]::Escape('"disconnectTimes":[]'))
  }

  It 'reports no console session id while no session is attached to the console (0xFFFFFFFF)' {
    [SessionJanitorWtsFake]::SetSession(2, 'CORP', 'alice', 'RDP-Tcp#3')
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.EnvelopeText | Should -Match ([regex]::Escape('"consoleSessionId":null'))
    $run.Wts | Should -Contain 'Console'
  }

  It 'reports the console session id also once the console session is disconnected (issue 12.5)' {
    [SessionJanitorWtsFake]::SetSession(1, 'CORP', 'admin', '')
    [SessionJanitorWtsFake]::SetInfo(1, 4, [DateTime]::UtcNow.AddHours(-5), [DateTime]::UtcNow.AddMinutes(-78), [DateTime]::UtcNow.AddMinutes(-40))
    [SessionJanitorWtsFake]::ConsoleSessionId = 1
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.EnvelopeText | Should -Match ([regex]::Escape('"consoleSessionId":1,'))
  }

  It 'reports no disconnect times for any other operation' {
    [SessionJanitorWtsFake]::SetSession(2, 'CORP', 'alice', 'RDP-Tcp#3')
    $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Hi' }
    $run.EnvelopeText | Should -Match ([regex]::Escape('"disconnectTimes":null'))
    $run.EnvelopeText | Should -Match ([regex]::Escape('"consoleSessionId":null'))
  }
}

Describe 'the read-back after acting' {
  BeforeEach {
    $script:root = New-FakeWindows
    [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'alice', 'RDP-Tcp#0')
    Mock Start-Sleep {}
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  It 'reports a logged-off session as gone and exits 0' {
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.readBack.state | Should -BeExactly 'gone'
    $run.Envelope.readBack.confirmed | Should -BeTrue
    $run.Wts[-1] | Should -BeExactly 'Info 2'
    Should -Invoke Start-Sleep -Times 0 -Exactly
  }

  It 'reports a disconnected session as disconnected and exits 0' {
    $run = Invoke-OperateScript @{ Operation = 'DisconnectSession'; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.readBack.state | Should -BeExactly 'disconnected'
    $run.Envelope.readBack.confirmed | Should -BeTrue
  }

  It 'fails with not confirmed (3) when <tool> exits 0 and the session stays <state>, after looking for 10 s' -ForEach @(
    @{ operation = 'LogoffSession'; tool = 'logoff.exe'; state = 'active' }
    @{ operation = 'DisconnectSession'; tool = 'tsdiscon.exe'; state = 'active' }
  ) {
    [SessionJanitorWtsFake]::Hung = $true
    $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 3
    $run.Envelope.exitCode | Should -Be 3
    $run.Envelope.guard | Should -BeNullOrEmpty
    $run.Envelope.readBack.state | Should -BeExactly $state
    $run.Envelope.readBack.confirmed | Should -BeFalse
    $run.Envelope.stderr | Should -BeExactly "$tool exited with code 0, but session 2 is still $state."
    @($run.Wts | Where-Object { $_ -eq 'Info 2' }).Count | Should -Be 21
    Should -Invoke Start-Sleep -Times 19 -Exactly -ParameterFilter { $Milliseconds -eq 500 }
  }

  It 'does not take a session still disconnected after a logoff for gone' {
    [SessionJanitorWtsFake]::SetInfo(2, 4, [DateTime]::UtcNow.AddHours(-1), [DateTime]::UtcNow.AddMinutes(-20), [DateTime]::UtcNow.AddMinutes(-10))
    [SessionJanitorWtsFake]::Hung = $true
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 3
    $run.Envelope.readBack.state | Should -BeExactly 'disconnected'
  }

  It 'waits for a logoff Windows finishes late, and confirms it then' {
    [SessionJanitorWtsFake]::Hung = $true
    Mock Start-Sleep { $null = [SessionJanitorWtsFake]::Sessions.Remove(2) }
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.readBack.state | Should -BeExactly 'gone'
    Should -Invoke Start-Sleep -Times 1 -Exactly
  }

  It 'counts a session ID that already holds a new logon as gone' {
    [SessionJanitorWtsFake]::Hung = $true
    Mock Start-Sleep {
      [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'alice', 'RDP-Tcp#1')
      [SessionJanitorWtsFake]::SetInfo(2, 0, [DateTime]::UtcNow, [DateTime]::UtcNow, [DateTime]::MinValue)
    }
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.readBack.state | Should -BeExactly 'gone'
  }

  It 'reads nothing back when the tool failed: the failure is the tool''s (exit 1)' {
    Set-FakeTool -Root $root -Name logoff.exe -Stderr 'quser/en-najki78-access-denied.txt' -ExitCode 1
    $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 1
    $run.Envelope.readBack | Should -BeNullOrEmpty
    @($run.Wts | Where-Object { $_ -eq 'Info 2' }).Count | Should -Be 1
  }
}
