"""Kinds of mass litigation before the tribunaux administratifs, as material for the demo generator.

Each kind gives the matière, the contested act's pattern, the facts, the grounds (« moyens ») and the
conclusions lawyers write for it, with ``{placeholders}`` filled per series or per requête. Series of
the same kind differ by their contested act and their author; isolated requêtes reuse the same kinds
with their own act and facts, so they are topically close to the series without belonging to them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of mass litigation: its matière, contested act, facts, grounds and conclusions."""

    key: str
    matter: str
    act: str
    facts: tuple[str, ...]
    grounds: tuple[str, ...]
    conclusions: tuple[str, ...]


KINDS: tuple[Kind, ...] = (
    Kind(
        "compteurs",
        "energie",
        "la délibération du conseil municipal de {commune} n° {num} du {date_acte} relative au déploiement des "
        "compteurs communicants",
        (
            "Le gestionnaire du réseau de distribution a informé le requérant de la pose prochaine d'un compteur "
            "communicant à son domicile.",
            "Par {act}, la commune a refusé de s'opposer au remplacement des compteurs existants sur son territoire.",
            "Le requérant a adressé au maire un recours gracieux resté sans réponse pendant plus de deux mois.",
        ),
        (
            "La délibération attaquée méconnaît le principe de précaution garanti par l'article 5 de la Charte de "
            "l'environnement, les effets des ondes émises par le courant porteur en ligne n'étant pas connus.",
            "Les données de consommation collectées toutes les trente minutes révèlent les habitudes de vie des "
            "occupants, en violation du règlement général sur la protection des données.",
            "Les compteurs existants appartiennent à la commune, autorité organisatrice de la distribution, qui "
            "pouvait s'opposer à leur élimination en application de l'article L. 322-4 du code de l'énergie.",
            "Le consentement de l'abonné n'a jamais été recueilli avant l'accès à son logement.",
            "Les personnes électrosensibles ne disposent d'aucune solution alternative à la pose imposée.",
        ),
        (
            "annuler {act} ;",
            "enjoindre au maire de {commune} de saisir le conseil municipal d'une nouvelle délibération dans un "
            "délai d'un mois ;",
        ),
    ),
    Kind(
        "amiante",
        "responsabilite",
        "la décision implicite du ministre des armées rejetant la demande indemnitaire préalable reçue le {date_acte}",
        (
            "Le requérant a travaillé de {annee} à {annee2} à l'arsenal de {ville}, établissement inscrit sur la liste "
            "ouvrant droit à l'allocation de cessation anticipée d'activité des travailleurs de l'amiante.",
            "Il a été exposé quotidiennement aux poussières d'amiante lors des opérations de calorifugeage et de "
            "démontage des bâtiments.",
            "Sa demande indemnitaire préalable a été rejetée par {act}.",
        ),
        (
            "L'État a commis une faute en n'assurant pas la protection de ses agents contre les poussières d'amiante "
            "alors que la dangerosité de ce matériau était connue.",
            "Le requérant subit un préjudice d'anxiété lié au risque élevé de développer une pathologie grave, "
            "qui doit être indemnisé à hauteur de {montant} euros.",
            "La créance n'est pas prescrite, le délai de quatre ans de la loi du 31 décembre 1968 n'ayant couru "
            "qu'à compter de l'arrêté inscrivant l'établissement sur la liste.",
            "Les troubles dans les conditions d'existence résultant du suivi médical post-professionnel doivent "
            "être réparés.",
        ),
        (
            "condamner l'État à verser au requérant la somme de {montant} euros en réparation de son préjudice "
            "d'anxiété, avec intérêts au taux légal ;",
            "annuler {act} ;",
        ),
    ),
    Kind(
        "taxe_residence",
        "fiscal",
        "l'avis de taxe d'habitation sur les résidences secondaires n° {num} du {date_acte} établi au titre de "
        "l'année {annee} par la direction départementale des finances publiques de {departement}",
        (
            "Le requérant a été assujetti à la majoration de taxe d'habitation prévue par l'article 1407 ter du code "
            "général des impôts à raison d'un logement situé à {commune}.",
            "Par une délibération, le conseil municipal de {commune} a fixé le taux de cette majoration à 60 %.",
            "Sa réclamation préalable a été rejetée par la direction départementale des finances publiques.",
        ),
        (
            "Le logement est occupé à titre d'habitation principale par un membre de la famille, de sorte que la "
            "majoration n'était pas applicable.",
            "La délibération instituant la majoration est illégale, la commune n'étant pas classée en zone "
            "d'urbanisation continue où le marché du logement est tendu.",
            "Le requérant remplit les conditions du dégrèvement prévu pour les personnes contraintes de résider "
            "dans un autre logement pour des raisons professionnelles.",
            "L'administration n'a pas répondu aux observations du contribuable dans le délai de trente jours.",
        ),
        (
            "prononcer la décharge de la majoration de taxe d'habitation mise à sa charge au titre de l'année "
            "{annee} ;",
            "condamner l'État aux dépens ;",
        ),
    ),
    Kind(
        "rendez_vous",
        "etrangers",
        "le refus implicite du préfet de {departement} de fixer un rendez-vous pour le dépôt d'une demande de titre "
        "de séjour, né du silence gardé sur la demande reçue le {date_acte}",
        (
            "Le requérant, ressortissant {nationalite}, tente depuis plusieurs mois d'obtenir un rendez-vous sur le "
            "site internet de la préfecture de {departement} afin de déposer une demande de titre de séjour.",
            "Malgré des connexions quotidiennes dont il produit les captures d'écran, aucun créneau n'a jamais été "
            "disponible.",
            "Il a saisi la préfecture par courrier recommandé, sans obtenir de réponse.",
        ),
        (
            "L'impossibilité persistante d'obtenir un rendez-vous porte atteinte au droit de solliciter un titre de "
            "séjour et caractérise une situation d'urgence.",
            "La mesure demandée est utile et ne fait obstacle à l'exécution d'aucune décision administrative.",
            "Le requérant se trouve exposé à tout moment à une mesure d'éloignement et ne peut exercer d'activité "
            "professionnelle.",
            "Le téléservice imposé par la préfecture ne comporte aucune modalité de substitution, contrairement "
            "aux exigences rappelées par le Conseil d'État.",
        ),
        (
            "enjoindre au préfet de {departement} de lui fixer un rendez-vous dans un délai de quinze jours, sous "
            "astreinte de 100 euros par jour de retard ;",
            "mettre à la charge de l'État la somme de 1 200 euros au titre de l'article L. 761-1 du code de justice "
            "administrative ;",
        ),
    ),
    Kind(
        "points_permis",
        "police",
        "la décision référencée 48 SI du ministre de l'intérieur du {date_acte} constatant la perte de validité du "
        "permis de conduire",
        (
            "Le requérant s'est vu notifier {act} pour solde de points nul.",
            "Plusieurs des infractions retenues ont été relevées par des radars automatiques sans interception du "
            "véhicule.",
            "Il n'a jamais reçu les lettres l'informant des retraits successifs de points.",
        ),
        (
            "L'administration ne rapporte pas la preuve que l'information préalable prévue par les articles L. 223-3 "
            "et R. 223-3 du code de la route a été délivrée lors de la constatation des infractions.",
            "Le paiement de l'amende forfaitaire n'est pas établi pour l'infraction du {date_infraction}, de sorte "
            "que la réalité de celle-ci n'est pas devenue définitive.",
            "Les points retirés auraient dû être restitués à l'expiration du délai de deux ans sans nouvelle "
            "infraction.",
            "La perte du permis de conduire compromet l'emploi du requérant, qui exerce la profession de {metier}.",
        ),
        (
            "annuler {act} ainsi que les décisions de retrait de points qui l'ont précédée ;",
            "enjoindre au ministre de l'intérieur de restituer les points illégalement retirés ;",
        ),
    ),
    Kind(
        "rsa_indu",
        "aide_sociale",
        "la décision du président du conseil départemental de {departement} du {date_acte} mettant à la charge du "
        "requérant un indu de revenu de solidarité active",
        (
            "À la suite d'un contrôle, la caisse d'allocations familiales a estimé que le requérant vivait en "
            "concubinage et a recalculé ses droits.",
            "Par {act}, un indu de {montant} euros lui a été réclamé.",
            "Son recours administratif préalable obligatoire a été rejeté.",
        ),
        (
            "Le contrôleur n'a pas informé le requérant de son droit de se faire assister et n'a pas recueilli ses "
            "observations, en méconnaissance de l'article L. 114-19 du code de la sécurité sociale.",
            "La vie maritale n'est pas établie, la personne hébergée ne participant pas aux charges du foyer.",
            "Le requérant est de bonne foi et sa situation de précarité justifie une remise totale de la dette.",
            "La décision ne mentionne ni les périodes ni le mode de calcul de l'indu.",
        ),
        (
            "annuler {act} ;",
            "le décharger de l'obligation de payer la somme de {montant} euros ;",
            "à titre subsidiaire, lui accorder une remise gracieuse totale ;",
        ),
    ),
    Kind(
        "nbi",
        "fonction_publique",
        "la décision du directeur du centre hospitalier de {ville} du {date_acte} refusant le bénéfice de la nouvelle "
        "bonification indiciaire",
        (
            "Le requérant, {grade}, exerce ses fonctions au sein du service d'accueil des urgences du centre "
            "hospitalier de {ville}.",
            "Il a demandé le versement de la nouvelle bonification indiciaire au titre des fonctions d'accueil du "
            "public exercées à titre principal.",
            "Cette demande a été rejetée par {act}.",
        ),
        (
            "Les fonctions exercées comportent l'accueil du public à titre principal au sens du décret du "
            "14 octobre 1991, ce qui ouvre droit à la bonification.",
            "Le refus opposé méconnaît le principe d'égalité de traitement entre agents placés dans une situation "
            "identique, plusieurs collègues percevant la bonification.",
            "La décision attaquée est insuffisamment motivée en fait.",
            "Le requérant a droit au rappel des sommes dues dans la limite de la prescription quadriennale.",
        ),
        (
            "annuler {act} ;",
            "enjoindre au directeur de lui verser la nouvelle bonification indiciaire avec effet rétroactif ;",
        ),
    ),
    Kind(
        "suspension",
        "fonction_publique",
        "la décision du directeur de l'établissement d'hébergement de {ville} du {date_acte} suspendant le requérant "
        "de ses fonctions sans rémunération",
        (
            "Le requérant, {grade}, a été suspendu de ses fonctions faute de justifier d'un schéma vaccinal complet.",
            "La suspension s'accompagne de l'interruption totale de sa rémunération.",
            "Aucun entretien préalable ne lui a été proposé avant {act}.",
        ),
        (
            "La suspension sans traitement constitue une sanction déguisée, prononcée sans la procédure "
            "disciplinaire et sans communication du dossier.",
            "L'interruption de toute rémunération porte une atteinte disproportionnée au droit au respect de la vie "
            "privée et familiale protégé par l'article 8 de la convention européenne.",
            "Le requérant disposait d'une contre-indication médicale qui n'a pas été examinée.",
            "L'auteur de la décision ne disposait pas d'une délégation de signature régulièrement publiée.",
        ),
        (
            "annuler {act} ;",
            "enjoindre à l'établissement de le réintégrer et de lui verser les traitements dont il a été privé ;",
        ),
    ),
    Kind(
        "eoliennes",
        "environnement",
        "l'arrêté du préfet de {departement} n° {num} du {date_acte} portant autorisation environnementale d'un "
        "parc de {nombre} éoliennes sur le territoire de {commune}",
        (
            "Par {act}, le préfet a autorisé l'exploitation d'un parc éolien à moins de huit cents mètres des "
            "habitations du hameau.",
            "Le requérant est propriétaire d'une maison d'où les machines seront directement visibles.",
            "L'enquête publique s'est déroulée pendant la période estivale.",
        ),
        (
            "L'étude d'impact est insuffisante, notamment quant aux effets sur les chiroptères et sur l'avifaune "
            "migratrice.",
            "Le projet porte atteinte au caractère et à l'intérêt des lieux avoisinants ainsi qu'aux paysages, en "
            "méconnaissance de l'article L. 511-1 du code de l'environnement.",
            "L'avis de l'autorité environnementale n'a pas été rendu par une autorité disposant d'une autonomie "
            "réelle.",
            "Les capacités financières du pétitionnaire ne sont pas démontrées.",
            "Les nuisances sonores nocturnes dépasseront les émergences réglementaires.",
        ),
        (
            "annuler {act} ;",
            "mettre à la charge de l'État et de la société pétitionnaire la somme de 3 000 euros ;",
        ),
    ),
    Kind(
        "chasse",
        "environnement",
        "l'arrêté du préfet de {departement} n° {num} du {date_acte} autorisant la chasse de l'{espece} pour la "
        "saison {annee}",
        (
            "Par {act}, le préfet a fixé un quota de prélèvements de l'{espece} sur l'ensemble du département.",
            "L'association requérante a pour objet statutaire la protection de la faune sauvage.",
            "Le projet d'arrêté n'a été soumis à la consultation du public que pendant quelques jours.",
        ),
        (
            "L'espèce est dans un état de conservation défavorable et son prélèvement méconnaît l'article 7 de la "
            "directive du 30 novembre 2009 concernant la conservation des oiseaux sauvages.",
            "La consultation du public n'a pas respecté les exigences de l'article L. 123-19-1 du code de "
            "l'environnement, la synthèse des observations n'ayant pas été publiée.",
            "Le quota fixé n'est fondé sur aucune donnée scientifique récente.",
            "Le préfet n'a pas recueilli l'avis de la commission départementale de la chasse et de la faune "
            "sauvage.",
        ),
        (
            "annuler {act} ;",
            "condamner l'État à verser à l'association la somme de 1 500 euros ;",
        ),
    ),
    Kind(
        "antenne",
        "urbanisme",
        "l'arrêté du maire de {commune} du {date_acte} ne s'opposant pas à la déclaration préalable d'un pylône de "
        "radiotéléphonie",
        (
            "Par {act}, le maire ne s'est pas opposé à l'implantation d'un pylône de trente mètres chemin "
            "{lieu}.",
            "Le requérant habite à moins de cent mètres du terrain d'assiette du projet.",
            "Le panneau d'affichage sur le terrain n'était pas visible depuis la voie publique.",
        ),
        (
            "Le projet méconnaît l'article R. 111-27 du code de l'urbanisme en raison de son atteinte au paysage "
            "naturel environnant.",
            "Le dossier de déclaration ne comportait pas de document graphique permettant d'apprécier l'insertion "
            "du projet.",
            "Le principe de précaution fait obstacle à l'installation d'une antenne à proximité d'une école.",
            "Le terrain est situé en zone naturelle du plan local d'urbanisme où les constructions sont interdites.",
        ),
        (
            "annuler {act} ;",
            "mettre à la charge de la commune de {commune} la somme de 2 000 euros ;",
        ),
    ),
    Kind(
        "dalo",
        "logement",
        "la décision de la commission de médiation de {departement} du {date_acte} refusant de reconnaître le "
        "requérant comme prioritaire et devant être logé d'urgence",
        (
            "Le requérant vit avec ses {nombre} enfants dans un logement de vingt mètres carrés déclaré insalubre.",
            "Il a saisi la commission de médiation au titre du droit au logement opposable.",
            "Par {act}, sa demande a été rejetée.",
        ),
        (
            "Le requérant est demandeur d'un logement social depuis un délai anormalement long au sens de l'article "
            "R. 441-14-1 du code de la construction et de l'habitation.",
            "La suroccupation du logement et son caractère insalubre justifiaient à eux seuls la reconnaissance du "
            "caractère prioritaire.",
            "La commission s'est fondée sur des faits matériellement inexacts concernant ses ressources.",
            "La décision ne répond pas aux pièces produites attestant de la situation du foyer.",
        ),
        (
            "annuler {act} ;",
            "enjoindre à la commission de réexaminer sa demande dans un délai d'un mois ;",
        ),
    ),
    Kind(
        "master",
        "enseignement",
        "la décision du président de l'université de {ville} du {date_acte} refusant l'admission du requérant en "
        "première année de master",
        (
            "Le requérant, titulaire d'une licence de {discipline}, a candidaté à plusieurs formations de master.",
            "Par {act}, l'université a refusé son admission.",
            "Il a saisi le recteur afin qu'il lui soit fait des propositions d'admission.",
        ),
        (
            "Le recteur n'a formulé aucune proposition d'admission alors que l'article L. 612-6-1 du code de "
            "l'éducation garantit la poursuite d'études aux titulaires du diplôme national de licence.",
            "Les capacités d'accueil de la formation n'ont pas été fixées par une délibération régulière.",
            "Le refus ne comporte pas l'indication des motifs de droit et de fait qui le fondent.",
            "Les critères d'examen des candidatures n'avaient pas été rendus publics.",
        ),
        (
            "annuler {act} ;",
            "enjoindre au recteur de lui faire trois propositions d'admission dans un délai de huit jours ;",
        ),
    ),
    Kind(
        "apl",
        "aide_sociale",
        "la décision du directeur de la caisse d'allocations familiales de {departement} du {date_acte} réclamant un "
        "trop-perçu d'aide personnalisée au logement",
        (
            "La caisse d'allocations familiales a révisé les droits du requérant à l'aide personnalisée au logement "
            "à la suite de la réforme du calcul en temps réel des ressources.",
            "Par {act}, un trop-perçu de {montant} euros lui est réclamé.",
            "Le requérant conteste le montant des ressources retenues pour ce calcul.",
        ),
        (
            "Les ressources prises en compte au titre des douze derniers mois intègrent à tort des indemnités de "
            "fin de contrat qui ne seront pas perçues de nouveau.",
            "La caisse ne pouvait procéder à des retenues sur les prestations à venir au-delà de la quotité "
            "saisissable.",
            "Le requérant n'a commis aucune fraude ni fausse déclaration et la dette résulte d'une erreur de la "
            "caisse.",
            "La notification ne précisait pas les voies et délais de recours.",
        ),
        (
            "annuler {act} ;",
            "ordonner le remboursement des retenues déjà opérées ;",
        ),
    ),
    Kind(
        "fermeture",
        "police",
        "l'arrêté du préfet de {departement} n° {num} du {date_acte} ordonnant la fermeture administrative de "
        "l'établissement pour une durée de {nombre} jours",
        (
            "Le requérant exploite un débit de boissons à {commune}.",
            "À la suite d'un contrôle de police, le préfet a prononcé {act}.",
            "La fermeture entraîne une perte de chiffre d'affaires qui menace la survie de l'entreprise.",
        ),
        (
            "La procédure contradictoire préalable prévue par l'article L. 121-1 du code des relations entre le "
            "public et l'administration n'a pas été respectée.",
            "Les faits reprochés ne présentent pas de lien avec la fréquentation ou les conditions d'exploitation "
            "de l'établissement, comme l'exige l'article L. 3332-15 du code de la santé publique.",
            "La durée de fermeture est disproportionnée au regard de l'absence d'antécédents.",
            "L'urgence est caractérisée par l'atteinte grave et immédiate portée à la situation économique de "
            "l'exploitant.",
        ),
        (
            "suspendre l'exécution de {act} ;",
            "mettre à la charge de l'État la somme de 1 500 euros ;",
        ),
    ),
    Kind(
        "pension",
        "pensions",
        "la décision du service des retraites de l'État du {date_acte} concédant une pension civile de retraite "
        "sans la bonification pour enfants",
        (
            "Le requérant, ancien {grade}, a été admis à faire valoir ses droits à la retraite.",
            "Sa pension lui a été concédée par {act} sans la bonification d'un an par enfant.",
            "Il a élevé {nombre} enfants et a interrompu son activité pour s'en occuper.",
        ),
        (
            "Le refus de la bonification pour enfants institue une discrimination entre hommes et femmes contraire "
            "à l'article 157 du traité sur le fonctionnement de l'Union européenne.",
            "Le requérant justifie d'une interruption d'activité de deux mois au moins dans le cadre d'un congé "
            "parental.",
            "La décision méconnaît l'article L. 12 du code des pensions civiles et militaires de retraite.",
            "La demande de révision a été présentée dans le délai d'un an suivant la notification.",
        ),
        (
            "annuler {act} ;",
            "enjoindre au ministre de réviser sa pension en y intégrant la bonification et de lui verser les "
            "arrérages correspondants ;",
        ),
    ),
)
"""The kinds of mass litigation the generator draws series from."""


ISOLATED_KINDS: tuple[Kind, ...] = (
    Kind(
        "marche",
        "contrats",
        "la décision du maire de {commune} du {date_acte} résiliant le marché de travaux n° {num}",
        (
            "La société requérante s'est vu attribuer le lot « gros œuvre » du marché de construction du groupe "
            "scolaire de {commune}.",
            "Par {act}, le pouvoir adjudicateur a résilié le marché pour faute.",
            "Les retards constatés résultent des modifications demandées par le maître d'œuvre.",
        ),
        (
            "La résiliation est intervenue sans mise en demeure préalable, en méconnaissance du cahier des clauses "
            "administratives générales.",
            "Les pénalités de retard appliquées sont manifestement excessives.",
            "La société a droit à l'indemnisation du manque à gagner résultant de la résiliation.",
        ),
        (
            "annuler {act} ;",
            "condamner la commune à lui verser la somme de {montant} euros ;",
        ),
    ),
    Kind(
        "hopital",
        "responsabilite",
        "la décision du directeur du centre hospitalier de {ville} du {date_acte} rejetant la demande indemnitaire",
        (
            "Le requérant a été opéré au centre hospitalier de {ville} le {date_infraction}.",
            "Il a contracté une infection nosocomiale qui a nécessité une nouvelle intervention.",
            "Sa demande indemnitaire a été rejetée par {act}.",
        ),
        (
            "Le centre hospitalier est responsable de plein droit des dommages résultant d'infections nosocomiales "
            "en application de l'article L. 1142-1 du code de la santé publique.",
            "Le requérant n'a pas été informé des risques de l'intervention.",
            "Les préjudices subis doivent être évalués après une expertise médicale.",
        ),
        (
            "condamner le centre hospitalier à lui verser la somme de {montant} euros ;",
            "ordonner avant dire droit une expertise médicale ;",
        ),
    ),
    Kind(
        "permis",
        "urbanisme",
        "l'arrêté du maire de {commune} du {date_acte} refusant le permis de construire une maison individuelle",
        (
            "Le requérant a déposé une demande de permis de construire une maison individuelle sur une parcelle "
            "cadastrée section {num} à {commune}.",
            "Par {act}, le maire a refusé le permis au motif que le projet ne s'insérait pas dans le site.",
            "Le terrain est pourtant situé en zone urbaine du plan local d'urbanisme.",
        ),
        (
            "Le motif tiré de l'atteinte au caractère des lieux est entaché d'erreur d'appréciation, le secteur "
            "étant déjà bâti.",
            "Le maire ne pouvait se fonder sur l'avis de l'architecte des bâtiments de France, la parcelle étant "
            "hors du périmètre protégé.",
            "Le refus est insuffisamment motivé.",
        ),
        (
            "annuler {act} ;",
            "enjoindre au maire de délivrer le permis sollicité dans un délai d'un mois ;",
        ),
    ),
    Kind(
        "oqtf",
        "etrangers",
        "l'arrêté du préfet de {departement} du {date_acte} portant obligation de quitter le territoire français",
        (
            "Le requérant, ressortissant {nationalite}, réside en France depuis {nombre} ans.",
            "Par {act}, le préfet a refusé de lui délivrer un titre de séjour et l'a obligé à quitter le territoire.",
            "Il est père d'un enfant scolarisé à {commune}.",
        ),
        (
            "La décision porte une atteinte disproportionnée au droit au respect de la vie privée et familiale.",
            "Le préfet n'a pas examiné la situation particulière du requérant.",
            "La décision méconnaît l'intérêt supérieur de l'enfant.",
        ),
        (
            "annuler {act} ;",
            "enjoindre au préfet de lui délivrer une carte de séjour temporaire ;",
        ),
    ),
    Kind(
        "sanction",
        "fonction_publique",
        "l'arrêté du maire de {commune} du {date_acte} infligeant au requérant la sanction d'exclusion temporaire de "
        "fonctions",
        (
            "Le requérant, {grade} de la commune de {commune}, a fait l'objet d'une procédure disciplinaire.",
            "Par {act}, il a été exclu de ses fonctions pour une durée de {nombre} jours.",
            "Il conteste la matérialité des faits reprochés.",
        ),
        (
            "Le conseil de discipline n'a pas été régulièrement composé.",
            "Les faits reprochés ne sont pas établis par les pièces du dossier.",
            "La sanction est disproportionnée au regard des états de service de l'agent.",
        ),
        (
            "annuler {act} ;",
            "enjoindre à la commune de reconstituer sa carrière ;",
        ),
    ),
)
"""Kinds used only for isolated requêtes, spread over other matières."""


GENERIC_GROUNDS: tuple[str, ...] = (
    "La décision attaquée a été signée par une autorité incompétente, faute de délégation régulièrement publiée.",
    "La décision attaquée est insuffisamment motivée, en méconnaissance des articles L. 211-2 et L. 211-5 du code "
    "des relations entre le public et l'administration.",
    "L'administration a commis une erreur manifeste d'appréciation de la situation du requérant.",
    "La décision est entachée d'un détournement de pouvoir.",
    "Le requérant n'a pas été mis à même de présenter ses observations avant l'intervention de la décision.",
    "La décision méconnaît le principe d'égalité devant les charges publiques.",
    "Les faits sur lesquels repose la décision sont matériellement inexacts.",
)
"""Grounds lawyers add to any requête (external and internal legality)."""


SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("le requérant", "l'intéressé", "l'exposant", "le demandeur"),
    ("demande au tribunal de", "sollicite du tribunal qu'il veuille", "prie le tribunal de",
     "conclut à ce qu'il plaise au tribunal de"),
    ("annuler", "prononcer l'annulation de", "annuler pour excès de pouvoir"),
    ("la décision attaquée", "la décision contestée", "l'acte litigieux", "la décision en litige"),
    ("en outre", "par ailleurs", "de plus", "au surplus"),
    ("méconnaît", "viole", "est contraire à", "contrevient à"),
    ("il ressort des pièces du dossier que", "il résulte de l'instruction que", "les pièces produites établissent que"),
    ("erreur manifeste d'appréciation", "erreur d'appréciation manifeste"),
    ("insuffisamment motivée", "entachée d'un défaut de motivation", "dépourvue de motivation suffisante"),
    ("n'a pas été respectée", "a été méconnue", "n'a pas été observée"),
    ("alors que", "cependant que", "tandis que"),
    ("notamment", "en particulier", "singulièrement"),
    ("doit être", "devra être", "mérite d'être"),
    ("au titre de", "sur le fondement de", "en application de"),
    ("porte atteinte", "nuit gravement", "préjudicie"),
    ("ne pouvait", "n'était pas en droit de", "ne pouvait légalement"),
    ("à titre principal", "principalement", "à titre essentiel"),
    ("de sorte que", "si bien que", "en sorte que"),
    ("lui a été réclamé", "a été mis à sa charge", "lui est demandé"),
    ("a été rejetée", "a fait l'objet d'un rejet", "n'a pas été accueillie"),
    ("sans réponse", "sans suite", "lettre morte"),
    ("est insuffisante", "présente des lacunes", "est incomplète"),
    ("il n'a jamais reçu", "il n'a pas été destinataire de", "aucune notification ne lui est parvenue concernant"),
    ("justifie", "établit", "démontre"),
    ("la somme de", "un montant de", "une indemnité de"),
    ("enjoindre", "ordonner", "faire injonction"),
    ("illégale", "entachée d'illégalité", "irrégulière"),
)
"""Equivalent phrasings a lawyer substitutes when rewriting a requête (first form as the kinds write it)."""
