# SessionJanitor-InstallWatcher: the install script and the watcher it installs, run by the real
# PowerShell engine against stand-ins of the Windows side (WatcherScript.ps1). Fake records, the
# exact event the watcher puts, and hostile values in a record refused before anything is put.
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
  . (Join-Path $PSScriptRoot 'WatcherScript.ps1')
  . (Join-Path $PSScriptRoot 'Ps51Syntax.ps1')
  $script:BusArn = 'arn:aws:events:us-east-1:123456789012:event-bus/session-janitor'
  $script:Ec2Id = 'i-0a1b2c3d4e5f60718'
  $script:PutsFile = Join-Path $RepoRoot 'tmp/watcher-puts.json'
  $script:AllPuts = [Collections.Generic.List[object]]::new()

  function script:Start-FakeHost {
    Reset-WatcherFake
    $script:Root = New-FakeWindows
    Install-FakeTool $Root 'icacls.exe'
    $script:SavedProgramData = $env:ProgramData
    $env:ProgramData = Join-Path $Root 'ProgramData'
    $null = New-Item -ItemType Directory -Path $env:ProgramData
  }
  function script:Stop-FakeHost {
    $env:ProgramData = $SavedProgramData
    Remove-FakeWindows $Root
  }
  function script:Install-Watcher {
    Mock Invoke-RestMethod { 'AQAEAOXbqd1-token' } -ParameterFilter { $Method -eq 'Put' }
    Mock Invoke-RestMethod { $Ec2Id } -ParameterFilter { $Uri -like '*/meta-data/instance-id' }
    $run = Invoke-InstallWatcher @{ Action = 'Install'; EventBusArn = $BusArn }
    if ($run.ExitCode -ne 0) { throw "install failed: $($run.Stderr)" }
    Set-WatcherSetting 'pairTries' 0
    Set-WatcherSetting 'retryPauseMilliseconds' 0
  }
  function script:Get-PutDetails {
    return @($WatcherFake.Puts | ForEach-Object { @($_.Entry)[0].Detail })
  }
}

AfterAll {
  # The schema check (test/host/host-script.test.ts) reads every event the watcher put.
  $null = New-Item -ItemType Directory -Force -Path (Split-Path $PutsFile)
  [IO.File]::WriteAllText($PutsFile, (ConvertTo-Json -InputObject @($AllPuts) -Depth 5))
}

Describe 'the InstallWatcher script' {
  It 'parses, and uses nothing Windows PowerShell 5.1 lacks, nor does the watcher it installs' {
    Find-Ps51Incompatibility (Get-InstallScriptText) | Should -BeNullOrEmpty
    $source = Get-InstallScriptText
    $start = $source.IndexOf("@'`n") + 3
    $watcher = $source.Substring($start, $source.IndexOf("`n'@", $start) - $start)
    $watcher | Should -Match '^# session-janitor watcher'
    Find-Ps51Incompatibility $watcher | Should -BeNullOrEmpty
  }
}

Describe 'Install' {
  BeforeEach { Start-FakeHost }
  AfterEach { Stop-FakeHost }

  It 'writes the watcher and its settings, restricts the directory and registers the event-triggered task' {
    Mock Invoke-RestMethod { 'AQAEAOXbqd1-token' } -ParameterFilter { $Method -eq 'Put' }
    Mock Invoke-RestMethod { $Ec2Id } -ParameterFilter { $Uri -like '*/meta-data/instance-id' }

    $run = Invoke-InstallWatcher @{ Action = 'Install'; EventBusArn = $BusArn }

    $run.ExitCode | Should -Be 0
    $run.Stdout.Trim() | Should -Be ('{"watcher":"installed","task":"\\SessionJanitor\\SessionJanitor-Watcher","instanceId":"' + $Ec2Id + '","eventBusArn":"' + $BusArn + '"}')
    $watcherRoot = Get-WatcherRoot
    $settings = Get-Content (Join-Path $watcherRoot 'watcher.json') -Raw | ConvertFrom-Json
    $settings.eventBusArn | Should -Be $BusArn
    $settings.region | Should -Be 'us-east-1'
    $settings.instanceId | Should -Be $Ec2Id
    $settings.resourceArn | Should -Be "arn:aws:ec2:us-east-1:123456789012:instance/$Ec2Id"
    $source = Get-InstallScriptText
    $start = $source.IndexOf("@'`n") + 3
    [IO.File]::ReadAllText((Join-Path $watcherRoot 'watcher.ps1')) | Should -BeExactly $source.Substring($start, $source.IndexOf("`n'@", $start) - $start)
    $icacls = Get-FakeToolCalls $Root 'icacls.exe'
    $icacls.Count | Should -Be 1
    $icacls[0] | Should -Be @($watcherRoot, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F')

    $WatcherFake.Tasks.Count | Should -Be 1
    $task = $WatcherFake.Tasks[0]
    $task.TaskName | Should -Be 'SessionJanitor-Watcher'
    $task.TaskPath | Should -Be '\SessionJanitor\'
    $xml = [xml]$task.Xml
    $trigger = $xml.Task.Triggers.EventTrigger
    $query = [xml]$trigger.Subscription
    $query.QueryList.Query.Path | Should -Be $LsmLog
    $query.QueryList.Query.Select.Path | Should -Be $LsmLog
    $query.QueryList.Query.Select.InnerText | Should -Be '*[System[(EventID=24)]] or (*[System[(EventID=40)]] and *[UserData[EventXML[(Reason=3)]]])'
    $trigger.ValueQueries.Value.name | Should -Be 'EventRecordID'
    $trigger.ValueQueries.Value.InnerText | Should -Be 'Event/System/EventRecordID'
    $xml.Task.Principals.Principal.UserId | Should -Be 'S-1-5-18'
    $xml.Task.Settings.MultipleInstancesPolicy | Should -Be 'Parallel'
    $xml.Task.Actions.Exec.Command | Should -Be '%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe'
    $xml.Task.Actions.Exec.Arguments | Should -BeExactly ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "' + (Join-Path $watcherRoot 'watcher.ps1') + '" -RecordId $(EventRecordID)')
  }

  It 'updates an installed watcher in place when run again' {
    Install-Watcher
    Set-WatcherSetting 'instanceId' 'i-00000000000000000'
    $run = Invoke-InstallWatcher @{ Action = 'Install'; EventBusArn = 'arn:aws:events:eu-west-1:123456789012:event-bus/session-janitor' }
    $run.ExitCode | Should -Be 0
    $WatcherFake.Tasks.Count | Should -Be 1
    $WatcherFake.Tasks[0].Forced | Should -BeTrue
    (Get-Content (Join-Path (Get-WatcherRoot) 'watcher.json') -Raw | ConvertFrom-Json).instanceId | Should -Be $Ec2Id
    (Get-Content (Join-Path (Get-WatcherRoot) 'watcher.json') -Raw | ConvertFrom-Json).region | Should -Be 'eu-west-1'
  }

  It 'names a hybrid node by its Systems Manager registration, with a managed-instance ARN' {
    Mock Invoke-RestMethod { throw 'no metadata service' }
    $registration = Join-Path (Join-Path (Join-Path (Join-Path $env:ProgramData 'Amazon') 'SSM') 'InstanceData') 'registration'
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $registration)
    [IO.File]::WriteAllText($registration, '{"ManagedInstanceID":"mi-0123456789abcdef0","Region":"us-east-1"}')

    $run = Invoke-InstallWatcher @{ Action = 'Install'; EventBusArn = $BusArn }

    $run.ExitCode | Should -Be 0
    $settings = Get-Content (Join-Path (Get-WatcherRoot) 'watcher.json') -Raw | ConvertFrom-Json
    $settings.resourceArn | Should -Be 'arn:aws:ssm:us-east-1:123456789012:managed-instance/mi-0123456789abcdef0'
    Should -Invoke Invoke-RestMethod -Times 0
  }

  It 'refuses <what> with exit 2 before it writes or registers anything' -ForEach @(
    @{ what = 'no bus'; arn = '' }
    @{ what = 'a bus name, not an ARN'; arn = 'session-janitor' }
    @{ what = 'a quote and a command'; arn = 'arn:aws:events:us-east-1:123456789012:event-bus/session-janitor"; Remove-Item C:\ -Recurse' }
    @{ what = 'a subexpression'; arn = 'arn:aws:events:us-east-1:123456789012:event-bus/$(whoami)' }
    @{ what = 'a line break'; arn = "arn:aws:events:us-east-1:123456789012:event-bus/session-janitor`nx" }
    @{ what = 'another service'; arn = 'arn:aws:sqs:us-east-1:123456789012:event-bus/x' }
  ) {
    Mock Invoke-RestMethod { $Ec2Id }
    $run = Invoke-InstallWatcher @{ Action = 'Install'; EventBusArn = $arn }
    $run.ExitCode | Should -Be 2
    $run.Stderr | Should -Match 'EventBusArn must be'
    Test-Path -LiteralPath (Get-WatcherRoot) | Should -BeFalse
    $WatcherFake.Tasks.Count | Should -Be 0
    Should -Invoke Invoke-RestMethod -Times 0
  }

  It 'refuses an instance id the metadata service answers that is not one, with exit 3' {
    Mock Invoke-RestMethod { 'token' } -ParameterFilter { $Method -eq 'Put' }
    Mock Invoke-RestMethod { 'i-0a1b2c3d"; calc' } -ParameterFilter { $Uri -like '*/meta-data/instance-id' }
    $run = Invoke-InstallWatcher @{ Action = 'Install'; EventBusArn = $BusArn }
    $run.ExitCode | Should -Be 3
    $WatcherFake.Tasks.Count | Should -Be 0
    Test-Path -LiteralPath (Get-WatcherRoot) | Should -BeFalse
  }

  It 'says what the host lacks, with exit 3, when AWS Tools for PowerShell is not installed' {
    # A PowerShell without the stand-ins, as a host without the module.
    $env:SSM_Action = 'Install'
    $env:SSM_EventBusArn = $BusArn
    try {
      $stderr = & (Join-Path $PSHOME 'pwsh') -NoLogo -NoProfile -NonInteractive -File $InstallScriptPath 2>&1 | Out-String
      $exitCode = $LASTEXITCODE
    } finally {
      $env:SSM_Action = $null
      $env:SSM_EventBusArn = $null
    }
    $exitCode | Should -Be 3
    $stderr | Should -Match 'install AWS Tools for PowerShell'
    Test-Path -LiteralPath (Get-WatcherRoot) | Should -BeFalse
  }
}

Describe 'Remove' {
  BeforeEach { Start-FakeHost }
  AfterEach { Stop-FakeHost }

  It 'unregisters the task and deletes the watcher' {
    Install-Watcher
    $run = Invoke-InstallWatcher @{ Action = 'Remove' }
    $run.ExitCode | Should -Be 0
    $run.Stdout.Trim() | Should -Be '{"watcher":"removed","task":"\\SessionJanitor\\SessionJanitor-Watcher","wasInstalled":true}'
    $WatcherFake.Tasks.Count | Should -Be 0
    $WatcherFake.Unregistered | Should -HaveCount 1
    Test-Path -LiteralPath (Get-WatcherRoot) | Should -BeFalse
  }

  It 'succeeds on a host without a watcher, and says so' {
    $run = Invoke-InstallWatcher @{ Action = 'Remove' }
    $run.ExitCode | Should -Be 0
    $run.Stdout | Should -Match '"wasInstalled":false'
    $WatcherFake.Unregistered | Should -HaveCount 0
  }
}

Describe 'the watcher' {
  BeforeEach {
    Start-FakeHost
    Install-Watcher
    $script:SavedTz = $env:TZ
  }
  AfterEach {
    foreach ($put in $WatcherFake.Puts) { $AllPuts.Add(@{ detail = @($put.Entry)[0].Detail; resources = @(@($put.Entry)[0].Resources) }) }
    $env:TZ = $SavedTz
    [TimeZoneInfo]::ClearCachedData()
    Stop-FakeHost
  }

  It 'puts the exact event of a disconnect (24), in host-local time, with the instance''s own credentials' {
    $env:TZ = 'Europe/Berlin'
    [TimeZoneInfo]::ClearCachedData()
    Add-LsmRecord -EventId 24 -RecordId 48219 -Time '2026-11-21T20:06:09.4180571Z' -Fields ([ordered]@{ User = 'CONTOSO\carol'; SessionID = '4'; Address = '10.20.30.41' })

    $run = Invoke-Watcher '48219'

    $run.ExitCode | Should -Be 0
    $run.Stdout | Should -Match 'record 48219: put as event 11710aed-'
    $WatcherFake.Puts | Should -HaveCount 1
    $put = $WatcherFake.Puts[0]
    $put.Region | Should -Be 'us-east-1'
    $entry = @($put.Entry)[0]
    $entry | Should -BeOfType ([Amazon.EventBridge.Model.PutEventsRequestEntry])
    $entry.Source | Should -Be 'session-janitor.host'
    $entry.DetailType | Should -Be 'Session Idle'
    $entry.EventBusName | Should -Be $BusArn
    @($entry.Resources) | Should -Be @("arn:aws:ec2:us-east-1:123456789012:instance/$Ec2Id")
    $entry.Detail | Should -BeExactly ('{"instanceId":"' + $Ec2Id + '","sessionId":4,"userName":"carol","domain":"CONTOSO","state":"disconnected","idleMinutes":0,"logonTime":null,"windowsEvent":{"eventId":24,"recordId":48219},"observedAt":"2026-11-21T21:06:09.418+01:00"}')
  }

  It 'puts one event for an idle time-out: 40 with reason 3, the user read from its 24' {
    Add-LsmRecord -EventId 40 -RecordId 48213 -Time '2026-11-21T20:05:01.4180000Z' -Fields ([ordered]@{ Session = '3'; Reason = '3' })
    Add-LsmRecord -EventId 24 -RecordId 48214 -Time '2026-11-21T20:05:01.4337000Z' -Fields ([ordered]@{ User = 'CONTOSO\alice'; SessionID = '3'; Address = '10.20.30.40' })
    # An older disconnect of the same session id, by someone else: not this one's pair.
    Add-LsmRecord -EventId 24 -RecordId 47001 -Time '2026-11-20T08:00:00.0000000Z' -Fields ([ordered]@{ User = 'CONTOSO\mallory'; SessionID = '3'; Address = '10.20.30.66' })

    $timeOut = Invoke-Watcher '48213'
    $disconnect = Invoke-Watcher '48214'

    $timeOut.ExitCode | Should -Be 0
    $disconnect.ExitCode | Should -Be 0
    $disconnect.Stdout | Should -Match "the idle time-out's record 48213 puts this disconnect"
    Get-PutDetails | Should -BeExactly @('{"instanceId":"' + $Ec2Id + '","sessionId":3,"userName":"alice","domain":"CONTOSO","state":"disconnected","idleMinutes":0,"logonTime":null,"windowsEvent":{"eventId":40,"recordId":48213,"reasonCode":3},"observedAt":"2026-11-21T20:05:01.418+00:00"}')
  }

  It 'waits for the 24 of an idle time-out that is not written yet, then gives up without putting' {
    Set-WatcherSetting 'pairTries' 2
    Set-WatcherSetting 'pairPauseMilliseconds' 1
    Add-LsmRecord -EventId 40 -RecordId 48213 -Time '2026-11-21T20:05:01.4180000Z' -Fields ([ordered]@{ Session = '3'; Reason = '3' })
    $run = Invoke-Watcher '48213'
    $run.ExitCode | Should -Be 2
    $run.Stderr | Should -Match 'no disconnect record names the user of session 3'
    @($WatcherFake.Queries | Where-Object { $_[1] -like '*EventID=24*' }) | Should -HaveCount 3
    $WatcherFake.Puts | Should -HaveCount 0
  }

  It 'puts nothing for a 40 with another reason (<reason>)' -ForEach @(@{ reason = '0' }, @{ reason = '5' }, @{ reason = '11' }) {
    Add-LsmRecord -EventId 40 -RecordId 500 -Time '2026-11-21T20:05:01.4180000Z' -Fields ([ordered]@{ Session = '3'; Reason = $reason })
    $run = Invoke-Watcher '500'
    $run.ExitCode | Should -Be 0
    $run.Stdout | Should -Match "reason $reason, not an idle time-out"
    $WatcherFake.Puts | Should -HaveCount 0
  }

  It 'retries a failed put and fails with exit 4 after three' {
    Add-LsmRecord -EventId 24 -RecordId 48219 -Time '2026-11-21T20:06:09.4180571Z' -Fields ([ordered]@{ User = 'carol'; SessionID = '4'; Address = '10.20.30.41' })
    $WatcherFake.Answers = @('throw', 'ThrottlingException', 'InternalFailure')
    $run = Invoke-Watcher '48219'
    $run.ExitCode | Should -Be 4
    $run.Stderr | Should -Match 'the put failed: InternalFailure'
    $WatcherFake.Puts | Should -HaveCount 3
    # No domain in the record: none in the event.
    (Get-PutDetails)[0] | Should -Match '"userName":"carol","state"'
  }

  It 'puts after a throttled attempt' {
    Add-LsmRecord -EventId 24 -RecordId 48219 -Time '2026-11-21T20:06:09.4180571Z' -Fields ([ordered]@{ User = 'CONTOSO\carol'; SessionID = '4'; Address = '10.20.30.41' })
    $WatcherFake.Answers = @('ThrottlingException')
    (Invoke-Watcher '48219').ExitCode | Should -Be 0
    $WatcherFake.Puts | Should -HaveCount 2
  }

  It 'refuses <what> with exit 2 and puts nothing, evaluating nothing' -ForEach @(
    @{ what = 'a user with a quote and a command'; id = 24; fields = [ordered]@{ User = 'CONTOSO\alice"; Remove-Item C:\ -Recurse'; SessionID = '4' } }
    @{ what = 'a user with a subexpression'; id = 24; fields = [ordered]@{ User = 'CONTOSO\$(Set-Content -Path MARKER -Value x)'; SessionID = '4' } }
    @{ what = 'a user with a line break'; id = 24; fields = [ordered]@{ User = "CONTOSO\alice`nbob"; SessionID = '4' } }
    @{ what = 'a domain that is no NetBIOS name'; id = 24; fields = [ordered]@{ User = 'contoso.example.com\alice'; SessionID = '4' } }
    @{ what = 'two backslashes'; id = 24; fields = [ordered]@{ User = 'A\B\alice'; SessionID = '4' } }
    @{ what = 'no user'; id = 24; fields = [ordered]@{ SessionID = '4' } }
    @{ what = 'an empty user'; id = 24; fields = [ordered]@{ User = ''; SessionID = '4' } }
    @{ what = 'a session id with a command'; id = 24; fields = [ordered]@{ User = 'alice'; SessionID = '4; calc' } }
    @{ what = 'a session id past 65535'; id = 24; fields = [ordered]@{ User = 'alice'; SessionID = '70000' } }
    @{ what = 'a negative session id'; id = 24; fields = [ordered]@{ User = 'alice'; SessionID = '-1' } }
    @{ what = 'a reason with a command'; id = 40; fields = [ordered]@{ Session = '4'; Reason = '3$(calc)' } }
    @{ what = 'an event of another id'; id = 23; fields = [ordered]@{ User = 'alice'; SessionID = '4' } }
  ) {
    Add-LsmRecord -EventId $id -RecordId 600 -Time '2026-11-21T20:06:09.4180571Z' -Fields $fields
    $marker = Join-Path (Get-Location) 'MARKER'
    $run = Invoke-Watcher '600'
    $run.ExitCode | Should -Be 2
    $WatcherFake.Puts | Should -HaveCount 0
    Test-Path -LiteralPath $marker | Should -BeFalse
  }

  It 'refuses a record that is <what>' -ForEach @(
    @{ what = 'of another provider'; provider = 'Fake-Provider'; channel = $null; xmlId = ''; time = '2026-11-21T20:06:09.4180571Z' }
    @{ what = 'of another log'; provider = 'Microsoft-Windows-TerminalServices-LocalSessionManager'; channel = 'Application'; xmlId = ''; time = '2026-11-21T20:06:09.4180571Z' }
    @{ what = 'another record than asked for'; provider = 'Microsoft-Windows-TerminalServices-LocalSessionManager'; channel = $null; xmlId = '601'; time = '2026-11-21T20:06:09.4180571Z' }
    @{ what = 'timed with a command'; provider = 'Microsoft-Windows-TerminalServices-LocalSessionManager'; channel = $null; xmlId = ''; time = '$(calc)' }
    @{ what = 'timed without a zone'; provider = 'Microsoft-Windows-TerminalServices-LocalSessionManager'; channel = $null; xmlId = ''; time = '2026-11-21T20:06:09' }
  ) {
    $splat = @{ EventId = 24; RecordId = 600; Time = $time; Provider = $provider; XmlRecordId = $xmlId; Fields = ([ordered]@{ User = 'alice'; SessionID = '4' }) }
    if ($null -ne $channel) { $splat.Channel = $channel }
    Add-LsmRecord @splat
    $run = Invoke-Watcher '600'
    $run.ExitCode | Should -Be 2
    $WatcherFake.Puts | Should -HaveCount 0
  }

  It 'refuses a RecordId argument that is <what> without reading the log' -ForEach @(
    @{ what = 'empty'; value = '' }
    @{ what = 'a command'; value = '1; Remove-Item C:\ -Recurse' }
    @{ what = 'a subexpression'; value = '$(calc)' }
    @{ what = 'an XPath'; value = '1)]] or *[System[(EventID=24' }
    @{ what = 'past 2^53'; value = '9007199254740992' }
    @{ what = 'zero-padded'; value = '0600' }
  ) {
    $run = Invoke-Watcher $value
    $run.ExitCode | Should -Be 2
    $WatcherFake.Queries | Should -HaveCount 0
    $WatcherFake.Puts | Should -HaveCount 0
  }

  It 'refuses a record id the log does not hold' {
    $run = Invoke-Watcher '12345'
    $run.ExitCode | Should -Be 2
    $run.Stderr | Should -Match 'no record 12345'
  }
}
