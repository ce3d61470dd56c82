// Verdict setup page: saves verdict.conf [service], the API token (storage/passwords, realm
// verdict_app) and marks the app configured. Runs in Splunk Web with splunkjs/mvc.
require(['jquery', 'splunkjs/mvc', 'splunkjs/mvc/simplexml/ready!'], function ($, mvc) {
  'use strict';
  var service = mvc.createService({ owner: 'nobody', app: 'verdict_app', sharing: 'app' });
  var REALM = 'verdict_app';
  var USER = 'verdict_api';
  var status = $('#verdict-setup-status');

  function call(method, path, params) {
    return new Promise(function (resolve, reject) {
      service.request(path, method, method === 'GET' ? params : null, method === 'POST' ? params : null, null,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        function (error, response) { return error ? reject(error) : resolve(response); });
    });
  }

  function saveToken(token) {
    if (!token) return Promise.resolve();
    var name = encodeURIComponent(REALM + ':' + USER + ':');
    return call('POST', 'storage/passwords/' + name, { password: token })
      .catch(function () { return call('POST', 'storage/passwords', { name: USER, realm: REALM, password: token }); });
  }

  call('GET', 'configs/conf-verdict/service', { output_mode: 'json' }).then(function (response) {
    var content = (response.data.entry && response.data.entry[0] && response.data.entry[0].content) || {};
    $('#verdict-service-url').val(content.url || '');
    $('#verdict-verify-tls').prop('checked', String(content.verify_tls) !== 'false' && String(content.verify_tls) !== '0');
  }).catch(function () { status.text('Could not read the current settings.'); });

  $('#verdict-setup').on('submit', function (event) {
    event.preventDefault();
    var url = $.trim($('#verdict-service-url').val());
    if (!/^https?:\/\/[^\s]+$/.test(url)) { status.text('Enter the service URL, e.g. https://verdict.example:8787'); return; }
    status.text('Saving…');
    call('POST', 'configs/conf-verdict/service', { url: url, verify_tls: $('#verdict-verify-tls').is(':checked') ? 'true' : 'false' })
      .then(function () { return saveToken($('#verdict-api-token').val()); })
      .then(function () { return call('POST', '/servicesNS/nobody/system/apps/local/verdict_app', { configured: 'true' }); })
      .then(function () { $('#verdict-api-token').val(''); status.text('Saved.'); })
      .catch(function () { status.text('Saving failed: check that you have the admin_all_objects capability.'); });
  });
});
