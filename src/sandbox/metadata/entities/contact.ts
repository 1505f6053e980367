import { crmRecordDefs, crmScope, type EntityBundle } from '../bundle.js';
import { addressFields, contactChannelFields, enumField, link, linkMultiple, personNameFields, systemFields, systemLinks, text, varchar } from '../fieldKit.js';

export function contactBundle(): EntityBundle {
  return {
    name: 'Contact',
    scope: crmScope({ hasPersonalData: true, duplicateCheckFieldList: ['name', 'emailAddress'] }),
    entityDefs: {
      fields: {
        ...personNameFields(),
        title: varchar(100),
        account: link(),
        accounts: linkMultiple({ layoutDetailDisabled: true, layoutListDisabled: true }),
        ...contactChannelFields(),
        ...addressFields('address'),
        doNotCall: { type: 'bool' },
        leadSource: enumField(['', 'Call', 'Email', 'Existing Customer', 'Partner', 'Public Relations', 'Web Site', 'Campaign', 'Other']),
        description: text(),
        originalLead: link({ readOnly: true, layoutMassUpdateDisabled: true }),
        streamUpdatedAt: { type: 'datetime', readOnly: true },
        ...systemFields(true),
      },
      links: {
        ...systemLinks(true),
        account: { type: 'belongsTo', entity: 'Account' },
        accounts: { type: 'hasMany', entity: 'Account', foreign: 'contacts', relationName: 'accountContact' },
        originalLead: { type: 'hasOne', entity: 'Lead', foreign: 'createdContact' },
      },
      collection: { orderBy: 'createdAt', order: 'desc', textFilterFields: ['name', 'emailAddress'] },
    },
    clientDefs: { controller: 'controllers/record', boolFilterList: ['onlyMy'], color: '#a4c5e0', iconClass: 'fas fa-id-badge' },
    recordDefs: crmRecordDefs(),
    layouts: {
      detail: [
        {
          label: 'Overview',
          rows: [
            [{ name: 'name' }, { name: 'account' }],
            [{ name: 'emailAddress' }, { name: 'phoneNumber' }],
            [{ name: 'title' }, false],
            [{ name: 'address' }, false],
          ],
        },
        { label: 'Details', rows: [[{ name: 'leadSource' }, { name: 'doNotCall' }], [{ name: 'description', fullWidth: true }]] },
      ],
      detailSmall: [{ label: '', rows: [[{ name: 'name', fullWidth: true }], [{ name: 'account', fullWidth: true }], [{ name: 'emailAddress' }, { name: 'phoneNumber' }]] }],
      list: [
        { name: 'name', link: true },
        { name: 'account', width: 22 },
        { name: 'emailAddress', notSortable: true, width: 24 },
        { name: 'phoneNumber', notSortable: true, width: 16 },
      ],
      listSmall: [{ name: 'name', link: true }, { name: 'emailAddress', notSortable: true, width: 30 }],
      filters: ['assignedUser', 'teams', 'account', 'emailAddress', 'phoneNumber', 'createdAt', 'leadSource'],
      massUpdate: ['account', 'leadSource', 'assignedUser', 'teams'],
      defaultSidePanel: [{ name: ':assignedUser' }, { name: 'teams' }],
      sidePanelsDetail: {},
      bottomPanelsDetail: { accounts: { name: 'accounts', index: 1 } },
      relationships: ['accounts'],
    },
    labels: {
      scopeName: 'Contact',
      scopeNamePlural: 'Contacts',
      fields: { name: 'Name', emailAddress: 'Email', phoneNumber: 'Phone', account: 'Account', accounts: 'Accounts', leadSource: 'Lead Source', assignedUser: 'Assigned User' },
    },
  };
}
