# The envelope itself: size limits, ASCII only, host facts, and what happens when nothing foreseen does.
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
  # A real quser data row (en-US-quserobject-four-users.txt), repeated to exceed the limits.
  $script:row = (Get-FixtureLines 'quser/en-US-quserobject-four-users.txt').Split("`n")[2].TrimEnd("`r")
  $script:chineseRow = (Get-FixtureLines 'quser/zh-CN-xrntkk-tsclient.txt').Split("`n")[0].TrimEnd("`r")
}

Describe 'the envelope' {
  BeforeEach {
    $script:root = New-FakeWindows
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  It 'is the only thing on stdout: one line of JSON' {
    Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/en-US-quserobject-four-users.txt'
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.Stdout | Should -BeExactly ($run.EnvelopeText + [Environment]::NewLine)
    $run.Stderr | Should -BeExactly ''
    $run.Streamed | Should -BeNullOrEmpty
  }

  It 'carries the host''s culture, date and time patterns, UTC time and offset' {
    Set-FakeTool -Root $root -Name quser.exe -Stdout 'quser/de-DE-windows-for-kids-1.txt'
    $before = [DateTime]::UtcNow.AddSeconds(-1)
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' } -Culture 'de-DE'
    $run.Envelope.culture | Should -BeExactly 'de-DE'
    $run.Envelope.shortDatePattern | Should -BeExactly ([Globalization.CultureInfo]::GetCultureInfo('de-DE').DateTimeFormat.ShortDatePattern)
    $run.Envelope.shortTimePattern | Should -BeExactly 'HH:mm'
    $run.Envelope.hostTimeUtc | Should -Match '\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\z'
    $hostTime = [DateTime]::ParseExact($run.Envelope.hostTimeUtc, "yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture, 'AdjustToUniversal, AssumeUniversal')
    $hostTime | Should -BeGreaterOrEqual $before.AddTicks(-($before.Ticks % [TimeSpan]::TicksPerSecond))
    $hostTime | Should -BeLessOrEqual ([DateTime]::UtcNow)
    $run.Envelope.utcOffsetMinutes | Should -Be ([int][TimeZoneInfo]::Local.GetUtcOffset([DateTime]::UtcNow).TotalMinutes)
  }

  It 'trims stdout over 16,000 characters and says so' {
    $big = (@(1..400 | ForEach-Object { $row }) -join "`n") + "`n"
    $big.Length | Should -BeGreaterThan 20000
    Set-FakeTool -Root $root -Name quser.exe -StdoutText $big
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.ExitCode | Should -Be 0
    $run.Envelope.stdoutTruncated | Should -BeTrue
    $run.Envelope.stdout.Length | Should -Be 16000
    ($big.Replace("`n", "`r`n")).StartsWith($run.Envelope.stdout) | Should -BeTrue
    $run.EnvelopeText.Length | Should -BeLessOrEqual 20000
  }

  It 'trims further when escaping non-ASCII text would push the envelope over 20,000, and says so' {
    $big = (@(1..300 | ForEach-Object { $chineseRow }) -join "`n") + "`n"
    Set-FakeTool -Root $root -Name quser.exe -StdoutText $big
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.EnvelopeText.Length | Should -BeLessOrEqual 20000
    $run.EnvelopeText | Should -Match '\A[\x20-\x7E]+\z'
    $run.Envelope.stdoutTruncated | Should -BeTrue
    # Kept as much as fits: every character cut away was needed to make room.
    $run.EnvelopeText.Length | Should -BeGreaterThan 19000
    ($big.Replace("`n", "`r`n")).StartsWith($run.Envelope.stdout) | Should -BeTrue
  }

  It 'trims stderr to 2,000 characters' {
    $noise = (@(1..100 | ForEach-Object { 'Error [5]:Access is denied.' }) -join "`n") + "`n"
    $noise.Length | Should -BeGreaterThan 2000
    [IO.File]::WriteAllText((Join-Path $root 'fake/quser.exe/stderr'), $noise)
    Set-FakeTool -Root $root -Name quser.exe -ExitCode 1
    $run = Invoke-OperateScript @{ Operation = 'ListSessions' }
    $run.Envelope.stderr.Length | Should -Be 2000
  }

  It 'reports an unforeseen error as exit 1 with its message, even for a listing' {
    Mock Get-SmbOpenFile { throw [Management.Automation.CommandNotFoundException]::new('The term ''Get-SmbOpenFile'' is not recognized.') }
    $run = Invoke-OperateScript @{ Operation = 'ListOpenFiles' }
    $run.ExitCode | Should -Be 1
    $run.Envelope.operation | Should -BeExactly 'ListOpenFiles'
    $run.Envelope.exitCode | Should -Be 1
    $run.Envelope.stderr | Should -BeExactly 'The term ''Get-SmbOpenFile'' is not recognized.'
  }

  It 'is not printed for an unknown or missing Operation (exit 2, a line on stderr), and nothing runs' -ForEach @(
    @{ operation = 'RunScript' }
    @{ operation = 'listsessions' }
    @{ operation = '' }
  ) {
    $run = Invoke-OperateScript @{ Operation = $operation }
    $run.ExitCode | Should -Be 2
    $run.Stdout | Should -BeExactly ''
    $run.Stderr | Should -Match 'Unknown or missing Operation'
    Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
  }
}
