# ListShells and EndShell run by the real script against Pester mocks of Get-WSManInstance,
# Remove-WSManInstance and Get-CimInstance (stub functions with the real parameter lists), fed
# with XmlElements rebuilt from real captures (test/fixtures/windows/wsman-shell/).
BeforeAll {
  . (Join-Path $PSScriptRoot 'HostScript.ps1')
  $script:Disconnected = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'
  $script:Busy = '6B29FC40-CA47-1067-B31D-00DD010662DA'
  $script:Idle = '9A3C6E1D-2B7F-4E8A-9C5D-1F0E2D3C4B5A'
}

Describe 'the shell operations' {
  BeforeEach {
    $script:root = New-FakeWindows
    # SSM's own process chain: this script, ssm-document-worker, amazon-ssm-agent, services.
    $script:processes = @(
      New-ProcessObject $PID 1000
      New-ProcessObject 1000 800
      New-ProcessObject 800 700
      New-ProcessObject 700 0
    )
    $script:winrm = @{
      shells = @(
        New-ShellElement (New-ShellFields $Disconnected 'CONTOSO\alice' 'Disconnected' '2' '5800')
        New-ShellElement (New-ShellFields $Busy 'CONTOSO\bob' 'Connected' '1' '9592')
        New-ShellElement (New-ShellFields $Idle 'CONTOSO\carol' 'Connected' '0' '6120')
      )
    }
    Mock Get-WSManInstance { $winrm.shells }
    Mock Remove-WSManInstance {
      $id = [string]$SelectorSet['ShellId']
      $winrm.shells = @($winrm.shells | Where-Object { $_.ShellId -ne $id })
    }
    Mock Get-CimInstance { $processes }
  }

  AfterEach {
    Remove-FakeWindows $root
  }

  Describe 'ListShells' {
    It 'prints every shell of a real listing as a JSON array of the script''s fields, values as Windows gave them' {
      $winrm.shells = Get-ShellFixture 'wsman-shell/en-US-psmag-pstip-managing-remote-sessions.txt'
      $run = Invoke-OperateScript @{ Operation = 'ListShells' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.exitCode | Should -Be 0
      $listed = ConvertFrom-Json $run.Envelope.stdout -NoEnumerate
      $listed | Should -HaveCount 2
      @($listed[0].PSObject.Properties.Name) | Should -Be @('ShellId', 'ResourceUri', 'Owner', 'ClientIP', 'ProcessId', 'State', 'ShellRunTime', 'ShellInactivity', 'IdleTimeOut', 'MaxIdleTimeOut', 'BufferMode', 'ChildProcesses', 'MemoryUsed')
      $listed[0].ShellId | Should -BeExactly '75A89E0E-E6E5-477D-AD0F-DAD6706CC236'
      $listed[0].Owner | Should -BeExactly 'Mydomain\user1'
      $listed[0].ProcessId | Should -BeExactly '5800'
      $listed[0].ShellInactivity | Should -BeExactly 'P0DT0H0M7S'
      $listed[0].MemoryUsed | Should -BeExactly '134MB'
      $listed[0].MaxIdleTimeOut | Should -BeNullOrEmpty
      $listed[1].ClientIP | Should -BeExactly '***'
      Should -Invoke Get-WSManInstance -Times 1 -Exactly -ParameterFilter {
        # Local (no ComputerName or ConnectionURI), every shell; Pester lists the alias RURI too.
        $ResourceURI.OriginalString -eq 'shell' -and (@($PesterBoundParameters.Keys | Sort-Object) -join ',') -eq 'Enumerate,ResourceURI,RURI'
      }
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
      Get-FakeToolsThatRan $root | Should -BeNullOrEmpty
    }

    It 'leaves the fields a WinRM 2.0 listing lacks null (winrm enumerate shell, Microsoft docs)' {
      $winrm.shells = Get-ShellFixture 'wsman-shell/en-US-msdocs-winrm-enumerate-shell.txt'
      $listed = ConvertFrom-Json (Invoke-OperateScript @{ Operation = 'ListShells' }).Envelope.stdout -NoEnumerate
      @($listed.ShellId) | Should -Be @('0A6E6A01-8AB2-4037-86CC-BFC826A1244E', 'EE3F11CE-FB3C-4C4E-B113-6F4D643C97D8', '8FD7F2C4-A434-4D58-A7E8-46F8BF202D0B')
      $listed[0].State | Should -BeNullOrEmpty
      $listed[0].ChildProcesses | Should -BeNullOrEmpty
      $listed[1].ChildProcesses | Should -BeExactly '0'
      $listed[1].IdleTimeOut | Should -BeExactly 'PT180.000S'
    }

    It 'prints [] when there is no shell, and an array of one for one shell' {
      $winrm.shells = @()
      (Invoke-OperateScript @{ Operation = 'ListShells' }).Envelope.stdout | Should -BeExactly '[]'
      $winrm.shells = @(New-ShellElement (New-ShellFields $Busy 'CONTOSO\bob' 'Connected' '1'))
      (Invoke-OperateScript @{ Operation = 'ListShells' }).Envelope.stdout | Should -Match ('^\[\{"ShellId":"' + $Busy + '"')
    }

    It 'fails with exit 1 and the fault when WinRM does not answer' {
      Mock Get-WSManInstance { throw (New-WSManFault '2150858770' 'The client cannot connect to the destination specified in the request.').Exception }
      $run = Invoke-OperateScript @{ Operation = 'ListShells' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.exitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match 'Code="2150858770"'
    }
  }

  Describe 'EndShell' {
    It 'ends a Disconnected shell as ended, by its ShellId, and confirms it by listing again' {
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.guard | Should -BeNullOrEmpty
      $run.Envelope.shellEnd.outcome | Should -BeExactly 'ended'
      $run.Envelope.shellEnd.state | Should -BeExactly 'Disconnected'
      $run.Envelope.shellEnd.childProcesses | Should -BeExactly '2'
      $run.Envelope.shellEnd.shellInactivity | Should -BeExactly 'P0DT0H0M7S'
      $run.Envelope.readBack.state | Should -BeExactly 'gone'
      $run.Envelope.readBack.confirmed | Should -BeTrue
      (ConvertFrom-Json $run.Envelope.stdout -NoEnumerate)[0].ShellId | Should -BeExactly $Disconnected
      Should -Invoke Remove-WSManInstance -Times 1 -Exactly -ParameterFilter {
        $ResourceURI.OriginalString -eq 'shell' -and $SelectorSet.Count -eq 1 -and $SelectorSet['ShellId'] -ceq $Disconnected
      }
      Should -Invoke Get-WSManInstance -Times 2 -Exactly
      @($winrm.shells.ShellId) | Should -Not -Contain $Disconnected
    }

    It 'says ended-ungraceful for a Connected shell with a running command, and ended for a Connected one without' {
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Busy; ExpectedOwner = 'CONTOSO\bob' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.shellEnd.outcome | Should -BeExactly 'ended-ungraceful'
      $run.Envelope.shellEnd.state | Should -BeExactly 'Connected'
      $run.Envelope.shellEnd.childProcesses | Should -BeExactly '1'
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Idle; ExpectedOwner = 'carol' }
      $run.Envelope.shellEnd.outcome | Should -BeExactly 'ended'
    }

    It 'says ended-ungraceful when the listing shows neither the state nor the child processes' {
      $winrm.shells = Get-ShellFixture 'wsman-shell/en-US-msdocs-winrm-enumerate-shell.txt'
      Mock Get-CimInstance { $processes }
      $fields = [ordered]@{}
      foreach ($child in $winrm.shells[0].ChildNodes) { $fields[$child.LocalName] = $child.InnerText }
      $fields['ProcessId'] = '4711'
      $winrm.shells = @(New-ShellElement $fields)
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = '0a6e6a01-8ab2-4037-86cc-bfc826a1244e'; ExpectedOwner = 'FABRIKAM\myAccount' }
      $run.ExitCode | Should -Be 0
      $run.Envelope.shellEnd.outcome | Should -BeExactly 'ended-ungraceful'
      $run.Envelope.shellEnd.state | Should -BeNullOrEmpty
      # The host's spelling of the id, not the request's.
      Should -Invoke Remove-WSManInstance -Times 1 -Exactly -ParameterFilter { $SelectorSet['ShellId'] -ceq '0A6E6A01-8AB2-4037-86CC-BFC826A1244E' }
    }

    It 'refuses with shell-not-found (31) when no shell has the id, and removes nothing' {
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = '00000000-0000-0000-0000-000000000001'; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 31
      $run.Envelope.exitCode | Should -Be 31
      $run.Envelope.guard.code | Should -BeExactly 'shell-not-found'
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
    }

    It 'refuses with owner-mismatch (32) when the shell belongs to someone else; a domain is compared only when given' {
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'bob' }
      $run.ExitCode | Should -Be 32
      $run.Envelope.guard.code | Should -BeExactly 'owner-mismatch'
      $run.Envelope.guard.message | Should -BeExactly ('Shell ' + $Disconnected + ' belongs to CONTOSO\alice, not to the expected owner.')
      (Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'FABRIKAM\alice' }).ExitCode | Should -Be 32
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
      (Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'contoso\ALICE' }).ExitCode | Should -Be 0
    }

    It 'refuses with own-shell (33) the shell this very command runs in, found by process ancestry' {
      # Run through a remoting session: the script's parent is that shell's wsmprovhost.exe.
      $script:processes = @(New-ProcessObject $PID 5800; New-ProcessObject 5800 900; New-ProcessObject 900 0)
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 33
      $run.Envelope.guard.code | Should -BeExactly 'own-shell'
      $run.Envelope.guard.message | Should -Match 'process 5800'
      Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter { $ClassName -eq 'Win32_Process' -and -not $PesterBoundParameters.ContainsKey('Filter') }
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
    }

    It 'survives a parent chain that loops (reused process IDs) and still ends another shell' {
      $script:processes = @(New-ProcessObject $PID 1000; New-ProcessObject 1000 $PID)
      (Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }).ExitCode | Should -Be 0
    }

    It 'ends a shell that reports no process ID (WinRM 2.0) when this command runs in no WinRM shell at all' {
      $fields = New-ShellFields $Disconnected 'CONTOSO\alice' 'Disconnected' '0'
      $fields.Remove('ProcessId')
      $winrm.shells = @(New-ShellElement $fields)
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 0
      Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter { ($Property -join ',') -eq 'ProcessId,ParentProcessId,Name' }
    }

    It 'refuses with own-shell (33) a shell that reports no process ID while this command runs inside a WinRM shell' {
      $fields = New-ShellFields $Disconnected 'CONTOSO\alice' 'Disconnected' '0'
      $fields.Remove('ProcessId')
      $winrm.shells = @(New-ShellElement $fields)
      $script:processes = @(New-ProcessObject $PID 4242 'powershell.exe'; New-ProcessObject 4242 900 'WSMPROVHOST.EXE'; New-ProcessObject 900 0)
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 33
      $run.Envelope.guard.message | Should -Match 'runs inside a WinRM shell'
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
    }

    It 'refuses with shell-not-found (31) when the shell ended between the listing and the removal (fault 2150858843)' {
      Mock Remove-WSManInstance { Write-Error -ErrorRecord (New-WSManFault '2150858843' 'The request for the Windows Remote Shell with ShellId 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed because the shell was not found on the server.') }
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 31
      $run.Envelope.guard.code | Should -BeExactly 'shell-not-found'
      $run.Envelope.shellEnd | Should -BeNullOrEmpty
    }

    It 'fails with exit 1 on any other fault, and claims nothing' {
      Mock Remove-WSManInstance { Write-Error -ErrorRecord (New-WSManFault '5' 'Access is denied.') }
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice' }
      $run.ExitCode | Should -Be 1
      $run.Envelope.stderr | Should -Match 'Access is denied'
      $run.Envelope.shellEnd | Should -BeNullOrEmpty
      $run.Envelope.readBack | Should -BeNullOrEmpty
    }

    It 'exits 3 (not confirmed) when the shell is still listed after Remove-WSManInstance returned' {
      Mock Remove-WSManInstance {}
      Mock Start-Sleep {}
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Busy; ExpectedOwner = 'bob' }
      $run.ExitCode | Should -Be 3
      $run.Envelope.exitCode | Should -Be 3
      $run.Envelope.readBack.confirmed | Should -BeFalse
      $run.Envelope.readBack.state | Should -BeExactly 'Connected'
      $run.Envelope.shellEnd | Should -BeNullOrEmpty
      $run.Envelope.stderr | Should -Match 'still listed'
      # One listing to find it, then the read-back's 20 tries.
      Should -Invoke Get-WSManInstance -Times 21 -Exactly
    }

    It 'refuses with state-mismatch (27) a shell whose client came back since the listing, and removes nothing' {
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Busy; ExpectedOwner = 'bob'; ExpectedShellState = 'Disconnected' }
      $run.ExitCode | Should -Be 27
      $run.Envelope.guard.code | Should -BeExactly 'state-mismatch'
      $run.Envelope.guard.message | Should -BeExactly ('Shell ' + $Busy + ' is Connected, not Disconnected.')
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
      (Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice'; ExpectedShellState = 'Disconnected' }).ExitCode | Should -Be 0
    }

    It 'refuses with not-idle (28) a shell used since, or whose inactivity does not read; reads both duration spellings' -ForEach @(
      @{ inactivity = 'P0DT0H0M7S'; min = '1'; exit = 28; seen = '0 min' }
      @{ inactivity = 'P0DT2H0M59S'; min = '120'; exit = 0; seen = '' }
      @{ inactivity = 'PT7200.000S'; min = '120'; exit = 0; seen = '' }
      @{ inactivity = 'PT7199.999S'; min = '120'; exit = 28; seen = '119 min' }
      @{ inactivity = 'P1Y'; min = '0'; exit = 28; seen = 'an unknown time' }
      @{ inactivity = 'p0dt5h0m0s'; min = '0'; exit = 28; seen = 'an unknown time' }
    ) {
      $fields = New-ShellFields $Disconnected 'CONTOSO\alice' 'Disconnected' '0'
      $fields['ShellInactivity'] = $inactivity
      $winrm.shells = @(New-ShellElement $fields)
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice'; MinInactiveMinutes = $min }
      $run.ExitCode | Should -Be $exit
      if ($exit -ne 0) {
        $run.Envelope.guard.code | Should -BeExactly 'not-idle'
        $run.Envelope.guard.message | Should -BeExactly ('Shell ' + $Disconnected + ' has been inactive ' + $seen + ', less than ' + $min + ' min.')
      }
    }

    It 'refuses an ExpectedShellState or MinInactiveMinutes the document would not pass (exit 2)' {
      Test-DocumentPattern 'ExpectedShellState' 'connected' | Should -BeFalse
      (Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice'; ExpectedShellState = 'connected' }).ExitCode | Should -Be 2
      (Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $Disconnected; ExpectedOwner = 'alice'; MinInactiveMinutes = '-1' }).ExitCode | Should -Be 2
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
    }

    It 'refuses a ShellId or ExpectedOwner the document would not pass (exit 2), and touches nothing' -ForEach @(
      @{ requested = '3F2504E0-4F89-11D3-9A0C-0305E82C3301;x'; owner = 'alice' }
      @{ requested = '{3F2504E0-4F89-11D3-9A0C-0305E82C3301}'; owner = 'alice' }
      @{ requested = ''; owner = 'alice' }
      @{ requested = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; owner = '' }
      @{ requested = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'; owner = "alice`nbob" }
    ) {
      Test-DocumentPattern 'ShellId' $requested | Should -Be ($requested -match '\A[0-9A-F-]{36}\z' -or $requested -eq '')
      $run = Invoke-OperateScript @{ Operation = 'EndShell'; ShellId = $requested; ExpectedOwner = $owner }
      $run.ExitCode | Should -Be 2
      Should -Invoke Get-WSManInstance -Times 0 -Exactly
      Should -Invoke Remove-WSManInstance -Times 0 -Exactly
    }
  }
}
