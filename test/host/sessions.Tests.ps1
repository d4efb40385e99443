# ListSessions, DisconnectSession, LogoffSession and NotifySession run by the real script, with fake
# quser/tsdiscon/logoff/msg printing real captures and the WTS stand-in answering its guards.
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
}

Describe 'the session operations' {
  BeforeEach {
    $script:root = New-FakeWindows
    # Session 2: CONTOSO\alice over RDP; session 1 is the console's.
    [SessionJanitorWtsFake]::SetSession(1, 'CONTOSO', 'admin', 'Console')
    [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'alice', 'RDP-Tcp#0')
    [SessionJanitorWtsFake]::ConsoleSessionId = 1
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  Describe 'ListSessions' {
    It 'relays quser''s output unchanged, runs quser with no argument and exits 0' {
      Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt'
      $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.operation | Should -BeExactly 'ListSessions'
      $run.Envelope.exitCode | Should -Be 0
      $run.Envelope.stdout | Should -BeExactly (Get-FixtureLines 'quser/en-US-quserobject-four-users.txt')
      $run.Envelope.stderr | Should -BeExactly ''
      $run.Envelope.stdoutTruncated | Should -BeFalse
      $run.Envelope.guard | Should -BeNullOrEmpty
      (Get-FakeToolCalls $root quser.exe).Count | Should -Be 1
      (Get-FakeToolCalls $root quser.exe)[0].Count | Should -Be 0
      Get-FakeToolsThatRan $root | Should -Be @('quser.exe')
      # Only to report disconnect times (guards.Tests.ps1): nobody is disconnected here.
      $run.Wts | Should -Be @('SessionIds', 'Info 1', 'Info 2', 'Console')
      # The console through WTS (issue 12.5): quser leaves its name blank once it is disconnected.
      $run.Envelope.consoleSessionId | Should -Be 1
      $run.Envelope.disconnectTimes.Count | Should -Be 0
      $run.Streamed | Should -BeNullOrEmpty
    }

    It 'escapes non-ASCII output so the envelope is plain ASCII, and the text reads back unchanged' {
      Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/zh-CN-xrntkk-tsclient.txt'
      $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
      $run.EnvelopeText | Should -Match '\\u7528\\u6237\\u540d'
      $run.EnvelopeText | Should -Match '\A[\x20-\x7E]+\z'
      $run.Envelope.stdout | Should -BeExactly (Get-FixtureLines 'quser/zh-CN-xrntkk-tsclient.txt')
    }

    It 'reports "No User exists" (quser exit 1) inside the envelope and still exits 0' {
      Set-FakeTool -Root $root -Name quser.exe -Stderr 'quser/en-index-no-user-winrm.txt' -ExitCode 1
      $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stdout | Should -BeExactly ''
      $run.Envelope.stderr | Should -Match 'No User exists for \*'
    }

    It 'reports access denied inside the envelope (the parsers judge it), exit 0' {
      Set-FakeTool -Root $root -Name quser.exe -Stderr 'quser/en-najki78-access-denied.txt' -ExitCode 1
      $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match ([regex]::Escape('Error [5]:Access is denied.'))
    }

    It 'fails (exit 1, even though it lists) when quser.exe does not exist' {
      Remove-FakeTool $root quser.exe
      $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match 'quser\.exe'
    }
  }

  Describe '<operation> of an RDP session' -ForEach @(
    @{ operation = 'DisconnectSession'; tool = 'tsdiscon.exe' }
    @{ operation = 'LogoffSession'; tool = 'logoff.exe' }
  ) {
    It 'runs <tool> with the session ID as its one argument and exits 0' {
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.operation | Should -BeExactly $operation
      $run.Envelope.exitCode | Should -Be 0
      $run.Envelope.guard | Should -BeNullOrEmpty
      (Get-FakeToolCalls $root $tool).Count | Should -Be 1
      (Get-FakeToolCalls $root $tool)[0] | Should -Be @('2')
      Get-FakeToolsThatRan $root | Should -Be @($tool)
      $run.Streamed | Should -BeNullOrEmpty
    }

    It 'matches DOMAIN\user case-insensitively' {
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'contoso\ALICE' }
      $run.ExitCode | Should -Be 0
      Get-FakeToolsThatRan $root | Should -Be @($tool)
    }

    It 'matches a user name with an apostrophe (O''Brien) as plain text' {
      # The document admits ' in user names: it is only compared with what WTS reports.
      [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'O''Brien', 'RDP-Tcp#0')
      Test-DocumentPattern 'ExpectedUser' 'contoso\o''brien' | Should -BeTrue
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'contoso\o''brien' }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root $tool)[0] | Should -Be @('2')
      # The first run logged the session off (or disconnected it): O'Brien logs on again.
      [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'O''Brien', 'RDP-Tcp#0')
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'OBrien' }
      $run.ExitCode | Should -Be 21
    }

    It 'refuses with session-not-found (20) when the session is gone, and runs nothing' {
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '7'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 20
      $run.Envelope.exitCode | Should -Be 20
      $run.Envelope.guard.code | Should -BeExactly 'session-not-found'
      $run.Envelope.guard.message | Should -BeExactly 'Session 7 does not exist.'
      $run.Envelope.stderr | Should -BeExactly $run.Envelope.guard.message
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'refuses with user-mismatch (21) when someone else owns the session now, and runs nothing' {
      [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'bob', 'RDP-Tcp#0')
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 21
      $run.Envelope.guard.code | Should -BeExactly 'user-mismatch'
      $run.Envelope.guard.message | Should -BeExactly 'Session 2 belongs to CONTOSO\bob, not to the expected user.'
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'refuses with user-mismatch (21) when the domain differs' {
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'FABRIKAM\alice' }
      $run.ExitCode | Should -Be 21
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'refuses with user-mismatch (21) when nobody is logged on in the session' {
      [SessionJanitorWtsFake]::SetSession(2, '', '', 'RDP-Tcp#0')
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 21
      $run.Envelope.guard.message | Should -Match 'belongs to nobody'
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'fails with exit 1 and the tool''s stderr when <tool> is denied' {
      # The captured access-denied lines are quser's; the script relays any tool's text unread.
      Set-FakeTool -Root $root -Name $tool -Stderr 'quser/en-najki78-access-denied.txt' -ExitCode 1
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match ([regex]::Escape('Error [5]:Access is denied.'))
      $run.Envelope.stderr | Should -Match ([regex]::Escape("$tool exited with code 1."))
      $run.Envelope.guard | Should -BeNullOrEmpty
    }

    It 'fails with exit 1 when <tool> does not exist' {
      Remove-FakeTool $root $tool
      $run = Invoke-OperateScript @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match ([regex]::Escape($tool))
    }
  }

  Describe 'the console guard' {
    It 'refuses to disconnect the session attached to the console (22)' {
      [SessionJanitorWtsFake]::ConsoleSessionId = 2
      $run = Invoke-OperateScript @{ Operation = 'DisconnectSession'; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 22
      $run.Envelope.guard.code | Should -BeExactly 'console-session'
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'refuses to disconnect a session on the Console station even when no console is attached (22)' {
      [SessionJanitorWtsFake]::ConsoleSessionId = [uint32]::MaxValue
      $run = Invoke-OperateScript @{ Operation = 'DisconnectSession'; SessionId = '1'; ExpectedUser = 'admin' }
      $run.ExitCode | Should -Be 22
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'refuses to log off the console session unless AllowConsole says so (22, issue 12.5)' {
      $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '1'; ExpectedUser = 'admin' }
      $run.ExitCode | Should -Be 22
      $run.Envelope.guard.code | Should -BeExactly 'console-session'
      $run.Envelope.guard.message | Should -BeExactly 'Session 1 is the console session, which is logged off only with AllowConsole.'
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'refuses to log off a disconnected console session, whose station has no name any more (22)' {
      [SessionJanitorWtsFake]::SetSession(1, 'CONTOSO', 'admin', '')
      $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '1'; ExpectedUser = 'admin' }
      $run.ExitCode | Should -Be 22
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'logs off the console session when the request allowed it (AllowConsole = true)' {
      $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '1'; ExpectedUser = 'admin'; AllowConsole = 'true' }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root logoff.exe)[0] | Should -Be @('1')
      $run.Wts | Should -Not -Contain 'Console'
    }

    It 'still never disconnects the console, AllowConsole or not (22)' {
      $run = Invoke-OperateScript @{ Operation = 'DisconnectSession'; SessionId = '1'; ExpectedUser = 'admin'; AllowConsole = 'true' }
      $run.ExitCode | Should -Be 22
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'logs off another session without asking for the console' {
      $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '2'; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root logoff.exe)[0] | Should -Be @('2')
    }

    It 'refuses an AllowConsole other than true: the script checks it again (2)' {
      foreach ($value in @('TRUE', 'yes', "true`n", '1')) {
        $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = '1'; ExpectedUser = 'admin'; AllowConsole = $value }
        $run.ExitCode | Should -Be 2
        $run.Envelope.stderr | Should -BeExactly 'AllowConsole must be true or empty.'
      }
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }
  }

  Describe 'NotifySession' {
    It 'hands msg.exe the session, /time: and the whole message as one argument each' {
      $run = Invoke-OperateScript @{
        Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'
        Message = 'Please save your work: you will be logged off in 5 minutes.'; WarnSeconds = '300'
      }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root msg.exe)[0] | Should -Be @('2', '/time:300', 'Please save your work: you will be logged off in 5 minutes.')
    }

    It 'omits /time: when WarnSeconds is not given' {
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Bye now' }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root msg.exe)[0] | Should -Be @('2', 'Bye now')
    }

    It 'passes letters outside ASCII and a 255-character message through whole' {
      $long = 'Ü' + ('x' * 254)
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = $long }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root msg.exe)[0] | Should -Be @('2', $long)
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Jürgen, 北京 (Bitte speichern!)' }
      (Get-FakeToolCalls $root msg.exe)[1] | Should -Be @('2', 'Jürgen, 北京 (Bitte speichern!)')
    }

    It 'counts the message in UTF-16 units and needs a first letter inside the BMP, as lib/ssm/parameters.ts does' {
      # SSM's own pattern checks (Java, Go) count code points; .NET sees U+1D400 as two surrogates.
      $mathBoldA = [char]::ConvertFromUtf32(0x1D400)
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = ($mathBoldA + 'ttention please') }
      $run.ExitCode | Should -Be 2
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = ('A' + ('x' * 253) + $mathBoldA) }
      $run.ExitCode | Should -Be 2
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
      $fits = 'A' + ('x' * 252) + $mathBoldA
      $fits.Length | Should -Be 255
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = $fits }
      $run.ExitCode | Should -Be 0
      (Get-FakeToolCalls $root msg.exe)[0] | Should -Be @('2', $fits)
    }

    It 'checks the same guards before it shows anything' {
      [SessionJanitorWtsFake]::SetSession(2, 'CONTOSO', 'bob', 'RDP-Tcp#0')
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Hello' }
      $run.ExitCode | Should -Be 21
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'fails with exit 1 on Server Core, where msg.exe does not exist' {
      Remove-FakeTool $root msg.exe
      $run = Invoke-OperateScript @{ Operation = 'NotifySession'; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Hello' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match 'msg\.exe'
    }

    It 'is why a quote never reaches msg.exe: 5.1-style quoting would split the message' {
      # Demonstration with the fake alone: under 'Legacy' argument passing, as in 5.1, a '"' inside an
      # argument with spaces ends the quoting and splits the text into more msg.exe arguments.
      & (Join-Path $env:SystemRoot 'System32/msg.exe') '2' 'Odd "quote here'
      (Get-FakeToolCalls $root msg.exe)[0] | Should -Be @('2', 'Odd quote', 'here')
    }
  }

  Describe 'values the document''s patterns refuse, reaching the script anyway' {
    # Defence in depth: SSM would refuse these; if one got through, the script refuses it too (exit 2),
    # before any WTS question, tool or cmdlet.
    It '<operation> refuses <name> <value>' -ForEach @(
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '' }
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '65537' }
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '-1' }
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '02' }
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '2 3' }
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '2;logoff 3' }
      @{ operation = 'LogoffSession'; name = 'SessionId'; value = '２' }
      @{ operation = 'DisconnectSession'; name = 'SessionId'; value = '/server:dc01' }
      @{ operation = 'LogoffSession'; name = 'ExpectedUser'; value = '' }
      @{ operation = 'LogoffSession'; name = 'ExpectedUser'; value = "alice`r`nbob" }
      @{ operation = 'LogoffSession'; name = 'ExpectedUser'; value = 'A\B\alice' }
      @{ operation = 'LogoffSession'; name = 'ExpectedUser'; value = '\alice' }
      @{ operation = 'LogoffSession'; name = 'ExpectedUser'; value = 'CONTOSO\' }
      @{ operation = 'LogoffSession'; name = 'ExpectedUser'; value = ('a' * 65) }
      @{ operation = 'NotifySession'; name = 'Message'; value = '' }
      @{ operation = 'NotifySession'; name = 'Message'; value = 'Save "now" please' }
      @{ operation = 'NotifySession'; name = 'Message'; value = 'Saved in C:\' }
      @{ operation = 'NotifySession'; name = 'Message'; value = "two`nlines" }
      @{ operation = 'NotifySession'; name = 'Message'; value = "bell`a" }
      @{ operation = 'NotifySession'; name = 'Message'; value = '-dash first' }
      @{ operation = 'NotifySession'; name = 'Message'; value = ('x' * 256) }
      @{ operation = 'NotifySession'; name = 'WarnSeconds'; value = '0' }
      @{ operation = 'NotifySession'; name = 'WarnSeconds'; value = '86401' }
      @{ operation = 'NotifySession'; name = 'WarnSeconds'; value = '1.5' }
      @{ operation = 'NotifySession'; name = 'WarnSeconds'; value = '30 /v' }
    ) {
      $parameters = @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Hello'; WarnSeconds = '30' }
      $parameters[$name] = $value
      if ($operation -ne 'NotifySession') { $parameters.Remove('Message'); $parameters.Remove('WarnSeconds') }
      if ($value.Length -gt 0) { Test-DocumentPattern $name $value | Should -BeFalse -Because 'the document refuses it' }
      $run = Invoke-OperateScript $parameters
      $run.ExitCode | Should -Be 2
      $run.Envelope.exitCode | Should -Be 2
      $run.Envelope.guard | Should -BeNullOrEmpty
      $run.Envelope.stderr | Should -Match $name
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
      $run.Wts | Should -BeNullOrEmpty
    }

    It 'refuses a session ID with a final newline, which .NET''s $ in the document pattern lets through' {
      Test-DocumentPattern 'SessionId' "2`n" | Should -BeTrue
      $run = Invoke-OperateScript @{ Operation = 'LogoffSession'; SessionId = "2`n"; ExpectedUser = 'alice' }
      $run.ExitCode | Should -Be 2
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }
  }
}
