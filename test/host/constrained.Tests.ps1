# A host whose WDAC or AppLocker policy runs scripts in PowerShell's ConstrainedLanguage mode:
# Add-Type, most .NET methods and [Console] are blocked. The real script runs in such a session.
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
}

Describe 'the script in ConstrainedLanguage mode' {
  BeforeEach {
    $script:root = New-FakeWindows
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  It 'still lists sessions, and its envelope (plain ASCII) says which mode the host runs in' {
    Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/zh-CN-xrntkk-tsclient.txt'
    $run = Invoke-OperateScriptConstrained @{ Operation = 'ListSessions' }
    $run.ExitCode | Should -Be 0
    $run.Stderr | Should -BeExactly ''
    $run.Stdout | Should -BeExactly ($run.EnvelopeText + "`n")
    $run.EnvelopeText | Should -Match '\A[\x20-\x7E]+\z'
    $run.Envelope.languageMode | Should -BeExactly 'ConstrainedLanguage'
    $run.Envelope.exitCode | Should -Be 0
    $run.Envelope.culture | Should -BeExactly 'en-US'
    $run.Envelope.utcOffsetMinutes | Should -Be ([int][TimeZoneInfo]::Local.GetUtcOffset([DateTime]::UtcNow).TotalMinutes)
    $run.Envelope.stdout | Should -BeExactly (Get-FixtureLines 'quser/zh-CN-xrntkk-tsclient.txt')
    (Get-FakeToolCalls $root quser.exe).Count | Should -Be 1
  }

  It '<operation> refuses with exit 30 and says why in words, and runs nothing' -ForEach @(
    @{ operation = 'DisconnectSession' }
    @{ operation = 'LogoffSession' }
    @{ operation = 'NotifySession' }
  ) {
    $run = Invoke-OperateScriptConstrained @{ Operation = $operation; SessionId = '2'; ExpectedUser = 'alice'; Message = 'Hello' }
    $run.ExitCode | Should -Be 30
    $run.Envelope.exitCode | Should -Be 30
    $run.Envelope.guard | Should -BeNullOrEmpty
    $run.Envelope.languageMode | Should -BeExactly 'ConstrainedLanguage'
    $run.Envelope.stderr | Should -Match 'ConstrainedLanguage mode .*Add-Type is blocked.*Nothing was done\.'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'still refuses bad parameters first (exit 2)' {
    $run = Invoke-OperateScriptConstrained @{ Operation = 'LogoffSession'; SessionId = '2;3'; ExpectedUser = 'alice' }
    $run.ExitCode | Should -Be 2
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }

  It 'says FullLanguage in the envelope of an ordinary host' {
    Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt'
    (Invoke-OperateScript @{ Operation = 'ListSessions' }).Envelope.languageMode | Should -BeExactly 'FullLanguage'
  }
}
